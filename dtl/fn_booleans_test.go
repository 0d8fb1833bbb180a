package dtl

import (
	"strings"
	"testing"
)

// The functions of the booleans, boolean-logic, comparisons, nulls,
// dictionaries, namespaced-identifiers and misc families must not panic
// on any mix of argument types.
func TestFamilyFunctionsOddArguments(t *testing.T) {
	names := []string{"boolean", "is-boolean", "and", "or", "not", "all", "any", "eq", "neq", "gt", "gte", "lt", "lte",
		"coalesce", "coalesce-args", "if-null", "is-null", "is-not-null", "is-empty", "is-not-empty",
		"dict", "is-dict", "has-key", "items", "key-values", "keys", "values", "path", "apply-ns", "strip-ns",
		"is-ni", "ni", "ni-collapse", "ni-expand", "ni-id", "ni-ns", "hash128", "completeness"}
	vals := []string{`null`, `true`, `0`, `-1.5`, `"~f1.5"`, `"x"`, `"a:b"`, `"murmur3"`, `"~:a:b"`, `"~rhttp://x/y"`,
		`"~bAAE="`, `"~t2015-01-01T00:00:00Z"`, `{"a": [1, {"b": null}]}`, `["list"]`, `["list", null, "s", ["list", 1]]`,
		`"_S."`, `"_S.a"`}
	for _, name := range names {
		f, ok := LookupFunc(name)
		if !ok {
			t.Errorf("%s is not registered", name)
			continue
		}
		max := f.MaxArgs
		if max < 0 || max > 3 {
			max = 3
		}
		for n := f.MinArgs; n <= max; n++ {
			args := make([]int, n)
			for {
				parts := []string{`"` + name + `"`}
				for _, i := range args {
					parts = append(parts, vals[i])
				}
				expr := "[" + strings.Join(parts, ", ") + "]"
				func() {
					defer func() {
						if r := recover(); r != nil {
							t.Errorf("%s panics: %v", expr, r)
						}
					}()
					_, _ = evalText(t, expr, `{"a": [{"b": 1}, 2], "c": {"d": "~:x:y"}}`, "", Options{})
				}()
				i := 0
				for ; i < n; i++ {
					args[i]++
					if args[i] < len(vals) {
						break
					}
					args[i] = 0
				}
				if i == n {
					break
				}
			}
		}
	}
}

// gt, lt and friends use the total order across types; eq compares lists.
func TestComparisonsAcrossTypes(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{`["gt", "a", 1]`, `true`},
		{`["lt", null, false]`, `true`},
		{`["gte", ["list"], null]`, `true`},
		{`["gt", ["list", 2, 0], ["list", 1, 9]]`, `true`},
		{`["lt", "~t2015-01-01T00:00:00Z", "2014"]`, `true`},
		{`["eq", ["list", 1, 2], ["list", 1, 2.0]]`, `true`},
		{`["eq", ["list", ["list", 1]], ["list", 1]]`, `false`},
		{`["eq", true, 1]`, `false`},
		{`["neq", null, null]`, `false`},
	} {
		got, err := evalText(t, tc.expr, "", "", Options{})
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if want := mustDecode(t, "want", tc.want); !sameValue(got, want) {
			t.Errorf("%s\n got: %s\nwant: %s", tc.expr, EncodeJSON(got), tc.want)
		}
	}
}
