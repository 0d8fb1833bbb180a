package dtl

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
)

// docCase is one example from the reference documentation
// (testdata/doc-cases.json, copied from the shared conformance suite, and
// testdata/doc-cases-extra.json, the reference's examples that suite
// leaves out, in its format).
type docCase struct {
	ID             string                     `json:"id"`
	Kind           string                     `json:"kind"`
	Function       string                     `json:"function"`
	Expr           json.RawMessage            `json:"expr"`
	Expected       json.RawMessage            `json:"expected"`
	Rules          json.RawMessage            `json:"rules"`
	Source         json.RawMessage            `json:"source"`
	ExpectedTarget json.RawMessage            `json:"expected_target"`
	JoinExpr       json.RawMessage            `json:"join_expr"`
	Bindings       map[string]json.RawMessage `json:"bindings"`
	PipeConfig     *struct {
		NamespacedIdentifiers bool `json:"namespaced_identifiers"`
		Namespaces            struct {
			Identity string `json:"identity"`
			Property string `json:"property"`
		} `json:"namespaces"`
	} `json:"pipe_config"`
	DocSuspect string `json:"doc_suspect"`
}

// TestConformance runs every documented example. Cases in
// testdata/known-differences.json are expected to differ (each with its
// reason); one of them passing is an error too, so the list stays true.
func TestConformance(t *testing.T) {
	var cases, extra []docCase
	readJSON(t, "testdata/doc-cases.json", &cases)
	readJSON(t, "testdata/doc-cases-extra.json", &extra)
	cases = append(cases, extra...)
	known := map[string]string{}
	readJSON(t, "testdata/known-differences.json", &known)
	failed := 0
	for _, tc := range cases {
		t.Run(tc.ID, func(t *testing.T) {
			problem := runDocCase(t, tc)
			reason, isKnown := known[tc.ID]
			switch {
			case problem != "" && isKnown:
				failed++
				t.Logf("known difference: %s (%s)", problem, reason)
			case problem != "":
				failed++
				t.Error(problem)
			case isKnown:
				t.Errorf("listed as a known difference (%s) but passes; remove it from testdata/known-differences.json", reason)
			}
		})
	}
	for id := range known {
		found := false
		for _, tc := range cases {
			found = found || tc.ID == id
		}
		if !found {
			t.Errorf("known-differences.json lists %q, which is not a case", id)
		}
	}
	pass := len(cases) - failed
	t.Logf("conformance: %d of %d cases pass (%.1f%%)", pass, len(cases), 100*float64(pass)/float64(len(cases)))
	if float64(pass) < 0.95*float64(len(cases)) {
		t.Errorf("only %d of %d cases pass; at least 95%% must", pass, len(cases))
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// runDocCase runs one case and describes the difference, or returns "".
func runDocCase(t *testing.T, tc docCase) string {
	opts := Options{}
	if pc := tc.PipeConfig; pc != nil {
		opts.NamespacedIdentifiers = pc.NamespacedIdentifiers
		opts.IdentityNamespace = pc.Namespaces.Identity
		opts.PropertyNamespace = pc.Namespaces.Property
	}
	switch tc.Kind {
	case "expression":
		got, err := evalText(t, string(tc.Expr), string(tc.Source), "", opts)
		if err != nil {
			return "error: " + err.Error()
		}
		want := mustDecode(t, "expected", string(tc.Expected))
		if !sameValue(got, want) {
			return "got " + string(EncodeJSON(got)) + ", want " + string(tc.Expected)
		}
	case "transform":
		src := "{}"
		if len(tc.Source) > 0 {
			src = string(tc.Source)
		}
		got, err := runRules(t, string(tc.Rules), src, opts)
		if err != nil {
			return "error: " + err.Error()
		}
		want := mustDecode(t, "expected_target", string(tc.ExpectedTarget))
		if len(got) != 1 || !sameValue(got[0], want) {
			return "got " + string(EncodeJSON(got)) + ", want [" + string(tc.ExpectedTarget) + "]"
		}
	case "join":
		return runJoinCase(t, tc)
	default:
		return "unknown case kind " + tc.Kind
	}
	return ""
}

// runJoinCase evaluates a join condition with each alias bound to its
// entity, the way hops evaluates where-clauses.
func runJoinCase(t *testing.T, tc docCase) string {
	names := make([]string, 0, len(tc.Bindings))
	for k := range tc.Bindings {
		names = append(names, k)
	}
	sort.Strings(names)
	cp := &Compiler{aliases: map[string]bool{}}
	for _, k := range names {
		cp.aliases[k] = true
	}
	e, _ := cp.whereExpr(mustNode(t, "join_expr", string(tc.JoinExpr)))
	if cp.errs.HasErrors() {
		return "error: " + cp.errs.Error()
	}
	c := &Ctx{T: NewDict(0), run: &runState{prog: &Program{}}}
	for _, k := range names {
		c = c.WithAlias(k, mustDecode(t, "binding", string(tc.Bindings[k])))
	}
	got, err := e.Eval(c)
	if err != nil {
		return "error: " + err.Error()
	}
	want := mustDecode(t, "expected", string(tc.Expected))
	if !sameValue(got, want) {
		return "got " + string(EncodeJSON(got)) + ", want " + strings.TrimSpace(string(tc.Expected))
	}
	return runJoinCaseAsHops(t, tc, names, want == true)
}

// runJoinCaseAsHops runs a two-alias join case as hops, binding each alias
// first in turn, so the other is reached through the index on its side
// (a property index or an expression index): the hop finds the entity
// exactly when the join succeeds.
func runJoinCaseAsHops(t *testing.T, tc docCase, names []string, want bool) string {
	if len(names) != 2 {
		return ""
	}
	ds := newLogDatasets()
	for _, k := range names {
		ds.write(t, k+"s", string(tc.Bindings[k]))
	}
	for _, order := range [][2]string{{names[0], names[1]}, {names[1], names[0]}} {
		first, second := order[0], order[1]
		expr := fmt.Sprintf(`["hops", {"datasets": ["%ss %s", "%ss %s"], "where": [["eq", "_S.id", "%s._id"], %s], "return": "%s._id"}]`,
			first, first, second, second, first, tc.JoinExpr, second)
		got, err := newHopper(t, ds, expr).run(fmt.Sprintf(`{"id": %s}`, EncodeJSON(Walk(mustDecode(t, "binding", string(tc.Bindings[first])), []string{"_id"}))))
		if err != nil {
			return "as hops from " + first + ": error: " + err.Error()
		}
		if found := len(AsList(got)) > 0; found != want {
			return fmt.Sprintf("as hops from %s: found %s, want the join to succeed: %v", first, EncodeJSON(got), want)
		}
	}
	return ""
}
