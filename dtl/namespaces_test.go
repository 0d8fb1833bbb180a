package dtl

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

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

// nsFooBar are the namespace settings of the reference's namespaced
// examples: identity "foo", property "bar".
var nsFooBar = Options{NamespacedIdentifiers: true, IdentityNamespace: "foo", PropertyNamespace: "bar"}

// TestNamespacedPathStrings runs the reference's namespaced path examples
// as path strings, which Sesam defines as the path function: with
// namespaces on, an unqualified step finds the name in every namespace,
// "::a" exactly "a", ":a" the property namespace's "a"; "_" and "$" names
// are never namespaced. Without namespaces nothing changes.
func TestNamespacedPathStrings(t *testing.T) {
	src := `{"_id": "foo:1", "a": 1, "foo:a": 2, "bar:a": [3, 4], "$ids": ["~:foo:1"],
		"foo:x": {"bar:a": 5, "b": {"z:a": 6}}, "bar:a.b": 7, "x:y:a": 8,
		"orders": [{"foo:amount": 1}, {"bar:amount": [2, null]}, {"amount": 3}, "not a dict"],
		"foo:n": null, "bar:n": null, "foo:m": null, "bar:m": [null]}`
	for _, tc := range []struct{ path, want, wantOff string }{
		{"_S.foo:a", `2`, `2`},
		{"_S.a", `[1, 2, 3, 4]`, `1`},
		{"_S.::a", `1`, `null`},
		{"_S.::foo:a", `2`, `null`},
		{"_S.:a", `[3, 4]`, `null`},
		{"_S._id", `"foo:1"`, `"foo:1"`},
		{"_S.$ids", `["~:foo:1"]`, `["~:foo:1"]`},
		{"_S.x.a", `5`, `null`},
		{"_S.x.b.a", `6`, `null`},
		{"_S.foo:x.:a", `5`, `null`},
		{"_S.foo:x.::a", `null`, `null`},
		{"_S.'a.b'", `7`, `null`},
		{"_S.orders.amount", `[1, 2, null, 3]`, `[3]`}, // a list member's nulls stay, as without namespaces
		{"_S.n", `[]`, `null`},                         // two matches, both null
		{"_S.m", `[null]`, `null`},
		{"_S.y:a", `null`, `null`},
		{"_S.nope", `null`, `null`},
		{"_S.", "", ""},
	} {
		for _, opts := range []Options{nsFooBar, {}} {
			want := tc.want
			if !opts.NamespacedIdentifiers {
				want = tc.wantOff
			}
			if want == "" {
				want = src
			}
			got, err := evalText(t, `"`+tc.path+`"`, src, "", opts)
			if err != nil {
				t.Errorf("%s: %v", tc.path, err)
				continue
			}
			if w := mustDecode(t, "want", want); !sameValue(got, w) {
				t.Errorf("%s (namespaces %v) = %s, want %s", tc.path, opts.NamespacedIdentifiers, EncodeJSON(got), want)
			}
			// The same steps through the path function.
			fn := `["path", ["list"], "_S."]`
			if tc.path != "_S." {
				steps, err := SplitSteps(tc.path[len("_S."):])
				if err != nil {
					t.Fatal(err)
				}
				fn = fmt.Sprintf(`["path", ["list", "%s"], "_S."]`, strings.Join(steps, `", "`))
			}
			viaFn, err := evalText(t, fn, src, "", opts)
			if err != nil {
				t.Fatalf("%s: %v", fn, err)
			}
			if !sameValue(got, viaFn) {
				t.Errorf("%s (namespaces %v) = %s, but the path function gives %s", tc.path, opts.NamespacedIdentifiers, EncodeJSON(got), EncodeJSON(viaFn))
			}
		}
	}
}

// TestNamespacedPathVariables: every variable a path string starts from
// looks names up the same way with namespaces on.
func TestNamespacedPathVariables(t *testing.T) {
	rules := `{"default": [
		["add", "x", 1],
		["add", "y", "_T.x"],
		["add", "items", ["map", "_.a", "_S.items"]],
		["add", "kid", ["apply", "kid", "_S.kid"]]
	], "kid": [
		["add", "p", "_P._S.a"],
		["add", "r", "_R._T.x"],
		["add", "s", "_S.k"]
	]}`
	src := `{"_id": "1", "a": 1, "foo:a": 2, "items": [{"z:a": 3}, {"a": 4}], "foo:kid": {"q:k": 5}}`
	want := `{"bar:x": 1, "bar:y": 1, "bar:items": [3, 4], "bar:kid": {"bar:p": [1, 2], "bar:r": 1, "bar:s": 5}}`
	got, err := runRules(t, rules, src, nsFooBar)
	if err != nil {
		t.Fatal(err)
	}
	if w := mustDecode(t, "want", want); len(got) != 1 || !sameValue(got[0], w) {
		t.Errorf("got %s\nwant %s", EncodeJSON(got), want)
	}
}

// TestNamespacedHops: joins and returns on namespaced properties. A join
// on an unqualified name of an alias finds it in every namespace, so no
// property index (which is by exact path) serves it: an expression index
// does. A qualified or escaped name keeps the property index.
func TestNamespacedHops(t *testing.T) {
	ds := memDatasets{}
	for _, s := range []string{
		`{"_id": "3", "SSN": "111", "GivenName": "Cy"}`,
		`{"_id": "hr-person:1", "hr-person:SSN": "111", "hr-person:GivenName": "Ada"}`,
		`{"_id": "hr-person:2", "hr-person:SSN": "222", "hr-person:GivenName": "Bob"}`,
		`{"_id": "hr-person:4", "hr-person:SSN": ["333", "111"], "x:GivenName": "Di", "hr-person:GivenName": "Dora"}`,
	} {
		ds["hr"] = append(ds["hr"], mustDecode(t, "hr", s).(*Dict))
	}
	src := `{"_id": "erp-person:1", "erp-person:SSN": "111", "SSN": null}`
	for _, tc := range []struct {
		where, ret string
		ns         bool
		want       string
		index      []string // the property indexes planned
		expr       bool     // whether an expression index is
	}{
		{`["eq", "_S.SSN", "h.SSN"]`, `"h.GivenName"`, true, `["Cy", "Ada", "Di", "Dora"]`, nil, true},
		{`["eq", "h.SSN", "_S.SSN"]`, `"h._id"`, true, `["3", "hr-person:1", "hr-person:4"]`, nil, true},
		{`["eq", "_S.erp-person:SSN", "h.hr-person:SSN"]`, `["list", "h._id", "h.GivenName"]`, true,
			`[["hr-person:1", "Ada"], ["hr-person:4", ["Di", "Dora"]]]`, []string{"hr-person:SSN"}, false},
		{`["eq", "_S.SSN", "h.::SSN"]`, `"h.::GivenName"`, true, `["Cy"]`, []string{"SSN"}, false},
		{`["eq", "_S.SSN", "h.:SSN"]`, `"h._id"`, true, `[]`, []string{"bar:SSN"}, false},
		{`["or", ["eq", "_S.SSN", "h.SSN"], ["eq", "_S._id", "h._id"]]`, `"h._id"`, true,
			`["3", "hr-person:1", "hr-person:4"]`, []string{"_id"}, true},
		// Without namespaces, "_S.SSN" is the bare null and "h.SSN" a property.
		{`["eq", "_S.SSN", "h.SSN"]`, `"h.GivenName"`, false, `[]`, []string{"SSN"}, false},
		{`["eq", "_S.erp-person:SSN", "h.SSN"]`, `"h.GivenName"`, false, `["Cy"]`, []string{"SSN"}, false},
	} {
		opts := Options{Datasets: ds}
		if tc.ns {
			opts.NamespacedIdentifiers, opts.IdentityNamespace, opts.PropertyNamespace = true, "foo", "bar"
		}
		hops := `["hops", {"datasets": ["hr h"], "where": ` + tc.where + `, "return": ` + tc.ret + `}]`
		prog, err := Compile(mustNode(t, "rules", `{"default": [["add", "r", `+hops+`]]}`), opts)
		if err != nil {
			t.Fatalf("%s: %v", hops, err)
		}
		got, err := runRules(t, `{"default": [["add", "r", `+hops+`]]}`, src, opts)
		if err != nil {
			t.Fatalf("%s: %v", hops, err)
		}
		r, _ := got[0].(*Dict).Get(opts.PropertyName("r"))
		if w := mustDecode(t, "want", tc.want); !sameValue(r, w) {
			t.Errorf("%s (namespaces %v) = %s, want %s", tc.where, tc.ns, EncodeJSON(r), tc.want)
		}
		var index []string
		for _, k := range prog.JoinKeys() {
			index = append(index, strings.Join(k.Path, "."))
		}
		if !slices.Equal(index, tc.index) {
			t.Errorf("%s (namespaces %v): property indexes %q, want %q", tc.where, tc.ns, index, tc.index)
		}
		if exprIndexed := len(prog.exprIndexes) > 0; exprIndexed != tc.expr {
			t.Errorf("%s (namespaces %v): expression index %v, want %v", tc.where, tc.ns, exprIndexed, tc.expr)
		}
	}
}
