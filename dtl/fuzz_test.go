package dtl

import (
	"context"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/pipes"
)

// FuzzCompileRun compiles arbitrary rules and runs them over an arbitrary
// entity: no input may panic or hang (the step budget bounds the work).
func FuzzCompileRun(f *testing.F) {
	seeds := [][2]string{
		{benchRules, string(BenchEntity(1))},
		{`{"default": [["copy", "*"], ["add", "n", ["+", "_S.a", 1]]]}`, `{"_id": "x", "a": 9223372036854775807}`},
		{`{"default": [["add", "r", ["range", 0, 100000000]]]}`, `{}`},
		{`{"default": [["add", "x", ["apply", "r", "_S."]]], "r": [["add", "y", ["apply", "r", "_S."]]]}`, `{"_id": "a"}`},
		{`{"default": [["add", "d", ["datetime-format", "%Y", ["datetime-parse", "%Y-%m-%d", "_S.d"]]]]}`, `{"d": "2020-01-02"}`},
		{`{"default": [["filter", ["matches", "a*", "_S.s"]], ["create", ["list", {"_id": "c"}]]]}`, `{"s": "abc"}`},
		{`{"default": [["add", "s", ["sorted", "_.", ["list", 1, "a", null, ["list"], {"a": 1}, "~t2020-01-01T00:00:00Z"]]]]}`, `{}`},
		{`{"default": [["add", "j", ["json-parse", "_S.j"]], ["merge", "_T.j"]]}`, `{"j": "{\"a\": [1, 2.5, \"~f1.5\"]}"}`},
		{`{"default": [["add", "h", ["hops", {"datasets": ["b b", "a a"], "where": [["eq", "_S.k", ["map", ["upper", "_."], "b.k"]], ["eq", ["+", "a.value", 2], "b.values"]]}]]]}`, `{"k": "x"}`},
		{`{"default": [["add", "h", ["hops", {"datasets": ["o o"], "where": ["or", ["eq", "_S._id", "o.c"], ["eq", "_S.k", ["last", "o.$g"]]]}]]]}`, `{"_id": "a"}`},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, rules, source string) {
		n, err := pipes.Parse("rules", []byte(rules))
		if err != nil {
			return
		}
		p, err := Compile(n, Options{})
		if err != nil {
			return
		}
		src, err := DecodeEntity([]byte(source))
		if err != nil {
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		res, err := p.Run(ctx, src)
		if err != nil {
			return
		}
		want := EncodeJSON(toList(res.Entities()))
		if _, err := DecodeJSON(want); err != nil {
			t.Fatalf("output is not JSON: %s: %v", want, err)
		}
		// The pooled path must give the same entities, over and over.
		for i := 0; i < 2; i++ {
			pooled, err := p.RunJSON(ctx, []byte(source))
			if err != nil {
				t.Fatalf("RunJSON failed where Run did not: %v", err)
			}
			got := EncodeJSON(toList(pooled.Entities()))
			pooled.Release()
			if !deterministic(rules) {
				continue
			}
			if string(got) != string(want) {
				t.Fatalf("RunJSON gave %s, Run gave %s", got, want)
			}
		}
	})
}

// deterministic reports whether rules avoid the functions whose results
// change from call to call.
func deterministic(rules string) bool {
	for _, f := range []string{"now", "uuid", "encrypt", "sleep!"} {
		if strings.Contains(rules, f) {
			return false
		}
	}
	return true
}
