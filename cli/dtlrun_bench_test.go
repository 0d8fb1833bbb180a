package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/itchyny/gojq"

	"github.com/sluice-sync/sluice/component"
)

// The rule set of the DTL performance target, and the jq program that
// does the same: copy everything, three adds (a string function, an if
// and a constant) and a discard unless _id is set.
const (
	benchDTL = `{"default": [
		["copy", "*"],
		["add", "name_upper", ["upper", "_S.name"]],
		["add", "size", ["if", ["gt", "_S.amount", 100], "big", "small"]],
		["add", "source", "crm"],
		["discard", ["is-not-null", "_S._id"]]
	]}`
	benchJQ = `select(._id != null) | . + {name_upper: (.name | ascii_upcase), size: (if .amount > 100 then "big" else "small" end), source: "crm"}`
)

const benchEntities = 200_000

func benchInput(n int) []byte {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		b.Write(benchEntity(i))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// benchEntity is a ~0.5 KB entity; i varies its _id and amount.
func benchEntity(i int) []byte {
	return fmt.Appendf(nil, `{"_id":"customer-%07d","name":"Ada Lovelace %d","email":"ada.%d@example.org","amount":%d,"currency":"NOK","active":true,"created":"~t2024-03-01T12:00:00Z","tags":["vip","newsletter","nordic"],"address":{"street":"Storgata 1","zip":"0155","city":"Oslo","country":"NO"},"phones":[{"type":"mobile","number":"+4791234567"},{"type":"work","number":"+4722334455"}],"notes":"Prefers e-mail. Account opened in the spring campaign; follow up on renewal in Q3.","score":0.875,"segment":"retail"}`, i, i, i, i%250)
}

// BenchmarkDTLRunVsGojq runs "sluice dtl run" (RunTransform over the dtl
// transform, the command's engine) and gojq v0.12.19 over the same 200k NDJSON entities, one full
// pass per iteration each, and reports entities/s for both and the ratio.
func BenchmarkDTLRunVsGojq(b *testing.B) {
	input := benchInput(benchEntities)
	tr := benchTransform(b)
	q, err := gojq.Parse(benchJQ)
	if err != nil {
		b.Fatal(err)
	}
	code, err := gojq.Compile(q)
	if err != nil {
		b.Fatal(err)
	}
	var dtlNS, jqNS int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := nowNS()
		if err := RunTransform(context.Background(), tr, bytes.NewReader(input), io.Discard); err != nil {
			b.Fatal(err)
		}
		dtlNS += nowNS() - start
		start = nowNS()
		if err := runGojq(code, input, io.Discard); err != nil {
			b.Fatal(err)
		}
		jqNS += nowNS() - start
	}
	dtlRate := float64(benchEntities*b.N) / (float64(dtlNS) / 1e9)
	jqRate := float64(benchEntities*b.N) / (float64(jqNS) / 1e9)
	b.ReportMetric(dtlRate, "dtl-entities/s")
	b.ReportMetric(jqRate, "gojq-entities/s")
	b.ReportMetric(dtlRate/jqRate, "speedup")
}

// runGojq is the gojq equivalent of RunRules: decode each NDJSON line,
// run the program, encode each result as a line.
func runGojq(code *gojq.Code, input []byte, w io.Writer) error {
	out := bufio.NewWriterSize(w, 1<<16)
	enc := json.NewEncoder(out)
	sc := bufio.NewScanner(bytes.NewReader(input))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var v any
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return err
		}
		iter := code.Run(v)
		for {
			r, ok := iter.Next()
			if !ok {
				break
			}
			if err, ok := r.(error); ok {
				return err
			}
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return out.Flush()
}

// TestBenchProgramsAgree checks that the two programs the benchmark
// compares produce the same entities.
func TestBenchProgramsAgree(t *testing.T) {
	input := benchInput(50)
	tr := benchTransform(t)
	var a, b bytes.Buffer
	if err := RunTransform(context.Background(), tr, bytes.NewReader(input), &a); err != nil {
		t.Fatal(err)
	}
	q, _ := gojq.Parse(benchJQ)
	code, _ := gojq.Compile(q)
	if err := runGojq(code, input, &b); err != nil {
		t.Fatal(err)
	}
	la, lb := bytes.Split(bytes.TrimSpace(a.Bytes()), []byte("\n")), bytes.Split(bytes.TrimSpace(b.Bytes()), []byte("\n"))
	if len(la) != 50 || len(la) != len(lb) {
		t.Fatalf("dtl gave %d lines, gojq %d", len(la), len(lb))
	}
	for i := range la {
		var x, y any
		if err := json.Unmarshal(la[i], &x); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(lb[i], &y); err != nil {
			t.Fatal(err)
		}
		xs, _ := json.Marshal(x)
		ys, _ := json.Marshal(y)
		if !bytes.Equal(xs, ys) {
			t.Fatalf("line %d differs:\n dtl: %s\n jq:  %s", i+1, xs, ys)
		}
	}
}

// benchTransform builds the dtl transform "sluice dtl run --rules" builds
// for the benchmark's rules.
func benchTransform(tb testing.TB) component.Transform {
	tb.Helper()
	file := filepath.Join(tb.TempDir(), "rules.json")
	if err := os.WriteFile(file, []byte(benchDTL), 0o644); err != nil {
		tb.Fatal(err)
	}
	tr, err := loadDTLTransform(file)
	if err != nil {
		tb.Fatal(err)
	}
	return tr
}
