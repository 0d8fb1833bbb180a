package dtl

import (
	"context"
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
		for _, d := range res.Entities() {
			out := EncodeJSON(d)
			if _, err := DecodeJSON(out); err != nil {
				t.Fatalf("output is not JSON: %s: %v", out, err)
			}
		}
	})
}
