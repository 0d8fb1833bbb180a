package dtl

import "testing"

// TestNamespaceAwareStatements runs the reference's namespaced examples of
// rename, make-ni, copy and remove (namespaces identity "foo", property "bar").
func TestNamespaceAwareStatements(t *testing.T) {
	opts := Options{NamespacedIdentifiers: true, IdentityNamespace: "foo", PropertyNamespace: "bar"}
	for _, tc := range []struct{ rules, source, want string }{
		{`[["rename", "a", "b"]]`, `{"a": 1, "x:a": 2, "xyz:a": 3}`, `{"b": 1, "x:b": 2, "xyz:b": 3}`},
		{`[["rename", "a", "z:b"]]`, `{"a": 1, "x:a": 2, "xyz:a": 3}`, `{"z:b": [1, 2, 3]}`},
		{`[["rename", "x:a", "x:b"]]`, `{"a": 1, "x:a": 2, "xyz:a": 3}`, `{"x:b": 2}`},
		{`[["make-ni", "soccer", "referee"]]`, `{"referee": "john.doe", "x:referee": "john.c.doe"}`,
			`{"referee-ni": "~:soccer:john.doe", "x:referee-ni": "~:soccer:john.c.doe"}`},
		{`[["make-ni", "soccer", "referee", "ref"]]`, `{"referee": "john.doe", "x:referee": "john.c.doe"}`,
			`{"ref": "~:soccer:john.doe", "x:ref": "~:soccer:john.c.doe"}`},
		{`[["make-ni", "soccer", "x:referee", "ref"]]`, `{"referee": "john.doe", "x:referee": "john.c.doe"}`,
			`{"x:ref": "~:soccer:john.c.doe"}`},
		{`[["copy", "age"]]`, `{"age": 36, "x:age": 36, "xyz:age": 36}`, `{"age": 36, "x:age": 36, "xyz:age": 36}`},
		{`[["copy", "x*:*e", "*y*:*e"]]`, `{"age": 36, "x:age": 36, "xyz:age": 36}`, `{"x:age": 36}`},
		{`[["copy", "*"], ["remove", "x*:age"]]`, `{"age": 36, "x:age": 36, "y:age": 36}`, `{"age": 36, "y:age": 36}`},
		{`[["copy", "*"], ["remove", "age"]]`, `{"age": 36, "x:age": 36, "y:age": 36}`, `{}`},
		{`[["add", "_id", "1"]]`, `{}`, `{"_id": "foo:1"}`},
	} {
		got, err := runRules(t, `{"default": `+tc.rules+`}`, tc.source, opts)
		if err != nil {
			t.Errorf("%s: %v", tc.rules, err)
			continue
		}
		if want := mustDecode(t, "want", tc.want); len(got) != 1 || !sameValue(got[0], want) {
			t.Errorf("%s over %s:\n got %s\nwant %s", tc.rules, tc.source, EncodeJSON(got), tc.want)
		}
	}
}
