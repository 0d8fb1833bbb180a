#!/usr/bin/env bash
# Whole-process benchmark of a json sink → receiver sync: `sluice pump --full`
# of a pipe whose json sink pushes N entities (~0.5 KB each, as in the
# receiver's benchmark) to a running `sluice run` (an http_endpoint source
# writing a dataset), a new receiver data folder each run. Prints, per run,
# entities/s over the pump's wall clock and over its run, and the peak RSS of
# both processes (/usr/bin/time -v); then the medians.
#
#   urlsys/bench/jsonsync.sh                  # N=100000 RUNS=3 BATCH=1000
#   N=100000 RUNS=5 BATCH=100 urlsys/bench/jsonsync.sh
set -euo pipefail
N=${N:-100000}
RUNS=${RUNS:-3}
BATCH=${BATCH:-1000}
PORT=${PORT:-18931}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
tpid=""
cleanup() {
  if [ -n "$tpid" ]; then
    spid=$(pgrep -P "$tpid" || true)
    [ -n "$spid" ] && kill -TERM "$spid" 2>/dev/null || true
    wait "$tpid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

(cd "$root" && go build -o "$work/sluice" ./cmd/sluice)
awk -v n="$N" 'BEGIN {
  notes = ""; for (k = 0; k < 15; k++) notes = notes "lorem ipsum dolor sit amet "
  for (i = 0; i < n; i++) printf "{\"_id\":\"c%d\",\"name\":\"customer %d\",\"n\":%d,\"tags\":[\"a\",\"b\"],\"notes\":\"%s\"}\n", i, i, i % 1000, notes
}' >"$work/entities.ndjson"

mkdir -p "$work/cfgA" "$work/cfgB"
cat >"$work/cfgB/pipes.json" <<JSON
[{"_id": "inbox", "type": "pipe", "source": {"type": "http_endpoint"}}]
JSON
cat >"$work/cfgA/pipes.json" <<JSON
[
  {"_id": "b", "type": "system:url", "url_pattern": "http://127.0.0.1:$PORT/api/%s"},
  {"_id": "push", "type": "pipe", "source": {"type": "dataset", "dataset": "people"},
   "sink": {"type": "json", "system": "b", "url": "receivers/inbox/entities", "batch_size": $BATCH}}
]
JSON
"$work/sluice" dataset import people "$work/entities.ndjson" --data "$work/dataA" >/dev/null

stat() { sed -n "s/^.*$1: *//p" "$2" | head -1; }
echo "N=$N BATCH=$BATCH RUNS=$RUNS ($(nproc) cores)"
printf '%-4s %12s %12s %12s %12s\n' run wall_ent/s run_ent/s pump_rss_MB recv_rss_MB
results=()
for r in $(seq "$RUNS"); do
  rm -rf "$work/dataB" "$work/b.err"
  /usr/bin/time -v "$work/sluice" run --config "$work/cfgB" --data "$work/dataB" --addr "127.0.0.1:$PORT" 2>"$work/b.err" &
  tpid=$!
  for _ in $(seq 100); do grep -q "serving on" "$work/b.err" 2>/dev/null && break; sleep 0.1; done
  spid=$(pgrep -P "$tpid")
  /usr/bin/time -v "$work/sluice" pump push --full --config "$work/cfgA" --data "$work/dataA" >"$work/sum.json" 2>"$work/a.err"
  kill -TERM "$spid"
  wait "$tpid"
  tpid=""
  grep -q '"status":"completed"' "$work/sum.json" || { cat "$work/sum.json" "$work/a.err"; exit 1; }
  wall=$(stat "Elapsed (wall clock) time (h:mm:ss or m:ss)" "$work/a.err" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
  ms=$(sed -n 's/.*"duration_ms":\([0-9]*\).*/\1/p' "$work/sum.json")
  line=$(awk -v n="$N" -v w="$wall" -v ms="$ms" -v a="$(stat "Maximum resident set size (kbytes)" "$work/a.err")" -v b="$(stat "Maximum resident set size (kbytes)" "$work/b.err")" \
    'BEGIN { printf "%12.0f %12.0f %12.1f %12.1f", n / w, n / (ms / 1000), a / 1024, b / 1024 }')
  printf '%-4s %s\n' "$r" "$line"
  results+=("$line")
done
printf '%s\n' "${results[@]}" | awk '
  { for (i = 1; i <= 4; i++) v[i, NR] = $i }
  END {
    printf "%-4s", "med"
    for (i = 1; i <= 4; i++) {
      n = 0; for (r = 1; r <= NR; r++) a[++n] = v[i, r]
      for (x = 1; x <= n; x++) for (y = x + 1; y <= n; y++) if (a[y] < a[x]) { t = a[x]; a[x] = a[y]; a[y] = t }
      m = (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
      printf (i <= 2 ? " %12.0f" : " %12.1f"), m
    }
    printf "\n"
  }'
