package torture

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/sluice-sync/sluice/store"
)

// committed is what a copy pipe has committed.
type committed struct {
	last    int // the pipe's offset: the last source offset copied, -1 for none
	fullRun uint64
	scanned int // sink versions checked
}

// checkCopy opens a data folder and checks that copy pipe k's sink holds
// exactly the transformed source versions up to the pipe's offset, one
// version each, in source order, and nothing else. complete also wants the
// whole source copied and the full run finished.
func checkCopy(data string, k, n int, complete bool, violation func(string, ...any)) (committed, error) {
	st, err := store.Open(data, store.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return committed{}, fmt.Errorf("open %s: %w", data, err)
	}
	defer st.Close()
	pipe, sink := copyPipe(k), copySink(k)
	ps, err := st.PipeState(pipe)
	if err != nil {
		return committed{}, fmt.Errorf("pipe state of %s: %w", pipe, err)
	}
	c := committed{last: -1, fullRun: ps.FullRun}
	if ps.LastSeen != "" {
		c.last, err = strconv.Atoi(ps.LastSeen)
		if err != nil || c.last < 0 || c.last >= n {
			violation("pipe %s has last_seen %q, not an offset of the source (0–%d)", pipe, ps.LastSeen, n-1)
			return c, nil
		}
	}
	src, _ := st.Dataset("src")
	if src.Versions != uint64(n) {
		violation("the source dataset has %d versions, want %d (nothing writes it)", src.Versions, n)
	}
	switch {
	case complete && c.last != n-1:
		violation("pipe %s completed with its offset at %d, want the source's last offset %d", pipe, c.last, n-1)
	case complete && ps.FullRun != 0:
		violation("pipe %s completed but its state still has a full run under way (%d)", pipe, ps.FullRun)
	case !complete && c.last >= 0 && c.last < n-1 && ps.FullRun == 0:
		violation("pipe %s was killed at offset %d of %d, but its state has no full run under way: the next run would not finish it as one", pipe, c.last, n-1)
	}
	info, _ := st.Dataset(sink)
	if info.Versions != uint64(c.last+1) || info.Entities != int64(c.last+1) || info.Deleted != 0 {
		violation("pipe %s's offset is %d, so %s should hold %d versions of as many entities, none deleted; it says versions=%d entities=%d deleted=%d",
			pipe, c.last, sink, c.last+1, info.Versions, info.Entities, info.Deleted)
	}
	if c.last < 0 && info.Versions == 0 {
		return c, nil
	}
	next := 0
	err = st.Scan(sink, store.ReadOptions{History: true}, func(offset uint64, e []byte) error {
		if offset != uint64(next) {
			violation("%s: version %d has offset %d", sink, next, offset)
		}
		if msg := copyDiff(e, next, k); msg != "" {
			violation("%s offset %d: %s (entity %s)", sink, offset, msg, clip(e))
		}
		next++
		if next > n {
			return errors.New("more versions than the source has entities")
		}
		return nil
	})
	if err != nil {
		violation("reading %s: %v", sink, err)
	}
	if next != c.last+1 {
		violation("%s holds %d versions, want %d: one per source entity up to the pipe's offset %d", sink, next, c.last+1, c.last)
	}
	c.scanned = next
	return c, nil
}

// copyDiff says how a sink version differs from the transformed source
// entity i, or "" when it does not.
func copyDiff(e []byte, i, k int) string {
	want := []struct{ key, raw string }{
		{"_id", strconv.Quote(srcID(i))}, {"n", strconv.Itoa(i)}, {"label", strconv.Quote(strings.ToUpper(srcName(i)))},
		{"n2", strconv.Itoa(2 * i)}, {"copy", strconv.Itoa(k)}, {"_deleted", "false"}, {"_previous", "null"},
	}
	if bio := srcBio(i); bio != "" {
		want = append(want, struct{ key, raw string }{"bio", strconv.Quote(bio)})
	}
	var problems []string
	found := 0
	gjson.ParseBytes(e).ForEach(func(key, v gjson.Result) bool {
		switch key.Str {
		case "_hash", "_ts", "_updated":
			return true
		}
		for _, w := range want {
			if w.key == key.Str {
				if v.Raw != w.raw {
					problems = append(problems, fmt.Sprintf("%s is %s, want %s", key.Str, clip([]byte(v.Raw)), clip([]byte(w.raw))))
				}
				found++
				return true
			}
		}
		problems = append(problems, "unexpected property "+key.Str)
		return true
	})
	if found != len(want) && len(problems) == 0 {
		problems = append(problems, fmt.Sprintf("%d of the %d expected properties are missing", len(want)-found, len(want)))
	}
	return strings.Join(problems, "; ")
}

func clip(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}

func copyPipe(k int) string { return fmt.Sprintf("copy%d", k) }
func copySink(k int) string { return fmt.Sprintf("dst%d", k) }
