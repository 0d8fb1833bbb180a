package dtl

import "testing"

// path and apply-ns with the pipe's namespaces (the reference's
// namespaced-identifiers examples).
func TestPathAndApplyNSWithNamespaces(t *testing.T) {
	opts := Options{NamespacedIdentifiers: true, IdentityNamespace: "foo", PropertyNamespace: "bar"}
	for _, tc := range []struct{ expr, want string }{
		{`["path", "foo:a", {"a": 1, "foo:a": 2, "bar:a": [3, 4]}]`, `2`},
		{`["path", "a", {"a": 1, "foo:a": 2, "bar:a": [3, 4]}]`, `[1, 2, 3, 4]`},
		{`["path", "::a", {"a": 1, "foo:a": 2, "bar:a": [3, 4]}]`, `1`},
		{`["path", ":a", {"a": 1, "foo:a": 2, "bar:a": [3, 4]}]`, `[3, 4]`},
		{`["path", "b", {"x:b": {"c": 1}}]`, `{"c": 1}`},
		{`["path", ["list", "a", "c"], ["list", {"x:a": {"c": 1}}, {"a": [{"y:c": 2}]}]]`, `[1, 2]`},
		{`["path", "_id", {"_id": "1", "x:_id": "2"}]`, `"1"`},
		{`["apply-ns", {"recursive": false}, {"_id": "1", "a": {"b": 1}}]`, `{"_id": "foo:1", "bar:a": {"b": 1}}`},
	} {
		got, err := evalText(t, tc.expr, "", "", opts)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if want := mustDecode(t, "want", tc.want); !sameValue(got, want) {
			t.Errorf("%s\n got: %s\nwant: %s", tc.expr, EncodeJSON(got), tc.want)
		}
	}
}

func TestDictCompileErrors(t *testing.T) {
	for _, expr := range []string{
		`["dict", "a", 1, "b"]`,
		`["apply-ns", ["concat", "a", "b"], {}]`,
		`["apply-ns", {"recursive": "yes"}, {}]`,
		`["apply-ns", {"namespace": "x"}, {}]`,
		`["hash128", "md5", "abc"]`,
		`["hash128", "murmur3", 1.5, "abc"]`,
	} {
		if _, err := evalText(t, expr, "", "", Options{}); err == nil {
			t.Errorf("%s: want a compile error", expr)
		}
	}
}
