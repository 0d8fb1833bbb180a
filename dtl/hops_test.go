package dtl

import (
	"strings"
	"testing"
)

// TestHopsCompileErrors: hops that cannot be served by an index, or are
// malformed, fail at compile time with a message naming the problem.
func TestHopsCompileErrors(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{`["hops", {"datasets": ["orders o"], "where": [["eq", "o.type", "X"]]}]`, `no join reaches alias "o"`},
		{`["hops", {"datasets": ["orders o", "people p"], "where": [["eq", "_S._id", "o.cust"]]}]`, `no join reaches alias "p"`},
		{`["hops", {"datasets": ["orders o", "orders o"], "where": [["eq", "_S._id", "o.cust"]]}]`, `alias "o" is reserved or already in use`},
		{`["hops", {"datasets": ["orders _S"], "where": [["eq", "_S._id", "_S.cust"]]}]`, `alias "_S" is reserved`},
		{`["hops", {"datasets": ["orders"], "where": []}]`, `"dataset-id alias"`},
		{`["hops", {"datasets": ["orders o"], "where": ["eq", "_S._id", "o.c"], "subsets": {"p": ["eq", "_S.x", 1]}}]`, `not an alias`},
		{`["hops", {"datasets": ["orders o"], "where": ["eq", "_S._id", "o.c"], "subsets": {"o": ["gt", "_S.x", 1]}}]`, `a subset is ["eq"`},
		{`["hops", {"datasets": ["orders o"], "where": ["eq", "_S._id", "o.c"], "return": "x"}]`, `not an alias`},
		{`["hops", {"datasets": ["orders o"], "where": ["eq", "_S._id", "o.c"], "return": "o", "recurse": true}]`, `cannot be used with "recurse"`},
		{`["hops", {"datasets": ["orders o"], "where": ["eq", "_S._id", "o.c"], "return": "o"}, {"datasets": ["orders p"], "where": ["eq", "_S._id", "p.c"]}]`, `only be given on the last`},
		{`["hops", {"datasets": ["orders o"], "where": ["eq", "_S._id", "o.c"], "max_depth": 0}]`, `max_depth must be a positive integer`},
		{`["hops", {"datasets": ["orders o"], "where": ["eq", "_S._id", "o.c"], "wher": 1}]`, `unknown HOPS_SPEC key "wher"`},
	} {
		_, err := evalText(t, tc.expr, "", "", Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one containing %q", tc.expr, err, tc.want)
		}
	}
}

// TestHopsJoinAndRecurse checks a two-alias join and a recursive hop over
// a small in-memory dataset.
func TestHopsJoinAndRecurse(t *testing.T) {
	ds := memDatasets{}
	for _, s := range []string{
		`{"_id": "p1", "name": "Ann", "children": ["p2", "p3"], "gender": "female", "hobbies": ["h1"]}`,
		`{"_id": "p2", "name": "Bea", "children": ["p4"], "gender": "female", "hobbies": ["h2"]}`,
		`{"_id": "p3", "name": "Carl", "children": [], "gender": "male", "hobbies": ["h1"]}`,
		`{"_id": "p4", "name": "Dina", "children": [], "gender": "female", "hobbies": ["h3"]}`,
	} {
		ds["Person"] = append(ds["Person"], mustDecode(t, "person", s).(*Dict))
	}
	for _, s := range []string{`{"_id": "h1", "name": "chess"}`, `{"_id": "h2", "name": "climbing"}`, `{"_id": "h3", "name": "piano"}`} {
		ds["Hobby"] = append(ds["Hobby"], mustDecode(t, "hobby", s).(*Dict))
	}
	for _, tc := range []struct{ expr, want string }{
		// The reference's example: daughters, granddaughters…, then their hobbies.
		{`["sorted", ["hops", {"datasets": ["Person p"], "where": [["eq", "_S.children", "p._id"], ["eq", "p.gender", "female"]], "recurse": true, "exclude_root": true},
		  {"datasets": ["Hobby h"], "where": ["eq", "_S.hobbies", "h._id"], "return": "h.name"}]]`, `["climbing", "piano"]`},
		// Without exclude_root the input itself is part of the result.
		{`["hops", {"datasets": ["Person p"], "where": [["eq", "_S.children", "p._id"]], "recurse": true}, {"datasets": ["Person q"], "where": ["eq", "_S._id", "q._id"], "return": "q.name"}]`,
			`["Ann", "Bea", "Carl", "Dina"]`},
		// max_depth 1 stops after one level.
		{`["hops", {"datasets": ["Person p"], "where": [["eq", "_S.children", "p._id"]], "recurse": true, "max_depth": 1, "exclude_root": true}, {"datasets": ["Person q"], "where": ["eq", "_S._id", "q._id"], "return": "q.name"}]`,
			`["Bea", "Carl"]`},
		// Two aliases joined in one spec; return names both.
		{`["hops", {"datasets": ["Person p", "Hobby h"], "where": [["eq", "_S.children", "p._id"], ["eq", "p.hobbies", "h._id"]], "return": ["list", "p.name", "h.name"]}]`,
			`[["Bea", "climbing"], ["Carl", "chess"]]`},
	} {
		got, err := evalText(t, tc.expr, `{"_id": "p1", "children": ["p2", "p3"], "hobbies": ["h1"]}`, "", Options{Datasets: ds})
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if want := mustDecode(t, "want", tc.want); !sameValue(got, want) {
			t.Errorf("%s\n got %s\nwant %s", tc.expr, EncodeJSON(got), tc.want)
		}
	}
}
