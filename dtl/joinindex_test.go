package dtl

import (
	"context"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// logDatasets is an in-memory Datasets that keeps every version, as the
// store does: offsets are positions in a dataset's log, the latest version
// of an _id wins, deleted ones are never found. It counts what lookups
// cost: the entities Get hands out. Joins on property paths scan (fine at
// test sizes); joins on expressions go through Changes.
type logDatasets struct {
	logs map[string][]*Dict
	gets int
}

func newLogDatasets() *logDatasets { return &logDatasets{logs: map[string][]*Dict{}} }

func (l *logDatasets) write(t testing.TB, dataset string, docs ...string) {
	t.Helper()
	for _, s := range docs {
		l.logs[dataset] = append(l.logs[dataset], mustDecode(t, dataset, s).(*Dict))
	}
}

// latest lists the latest non-deleted version of every _id, by _id.
func (l *logDatasets) latest(dataset string) []*Dict {
	last := map[string]*Dict{}
	for _, e := range l.logs[dataset] {
		last[entityID(e)] = e
	}
	var out []*Dict
	for _, e := range last {
		if d, _ := e.Get("_deleted"); d != true {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return entityID(out[i]) < entityID(out[j]) })
	return out
}

func (l *logDatasets) Get(_ context.Context, dataset, id string) (*Dict, error) {
	for _, e := range l.latest(dataset) {
		if entityID(e) == id {
			l.gets++
			return e, nil
		}
	}
	return nil, nil
}

func (l *logDatasets) Join(_ context.Context, dataset string, path []string, keys []Value) ([]*Dict, error) {
	var out []*Dict
	for _, e := range l.latest(dataset) {
		if ok, _ := (joinEq{constExpr{Walk(e, path)}, constExpr{List(keys)}}).Eval(nil); ok == true {
			out = append(out, e)
		}
	}
	return out, nil
}

func (l *logDatasets) Version(_ context.Context, dataset string, offset uint64) (*Dict, error) {
	if offset >= uint64(len(l.logs[dataset])) {
		return nil, nil
	}
	return l.logs[dataset][offset], nil
}

// Changes hands out, from offset from on, the versions still latest.
func (l *logDatasets) Changes(_ context.Context, dataset string, from uint64, fn func(*Dict) error) (uint64, error) {
	log := l.logs[dataset]
	for i := int(from); i < len(log); i++ {
		id, latest := entityID(log[i]), true
		for _, later := range log[i+1:] {
			latest = latest && entityID(later) != id
		}
		if !latest {
			continue
		}
		if err := fn(log[i]); err != nil {
			return from, err
		}
	}
	return max(from, uint64(len(log))), nil
}

// hopper compiles rules whose default rule adds "x" and runs them.
type hopper struct {
	t    testing.TB
	prog *Program
}

func newHopper(t testing.TB, ds Datasets, expr string) *hopper {
	t.Helper()
	p, err := Compile(mustNode(t, "rules", `{"default": [["add", "x", `+expr+`]]}`), Options{Datasets: ds})
	if err != nil {
		t.Fatal(err)
	}
	return &hopper{t: t, prog: p}
}

func (h *hopper) run(source string) (Value, error) {
	res, err := h.prog.Run(context.Background(), mustDecode(h.t, "source", source).(*Dict))
	if err != nil {
		return nil, err
	}
	v, _ := res.Target.Get("x")
	return v, nil
}

func (h *hopper) want(source, want string) {
	h.t.Helper()
	got, err := h.run(source)
	if err != nil {
		h.t.Fatalf("%s: %v", source, err)
	}
	if w := mustDecode(h.t, "want", want); !sameValue(got, w) {
		h.t.Fatalf("source %s\n got %s\nwant %s", source, EncodeJSON(got), want)
	}
}

// index returns the program's one expression index.
func (h *hopper) index() *exprIndex {
	h.t.Helper()
	if len(h.prog.exprIndexes) != 1 {
		h.t.Fatalf("%d expression indexes, want 1", len(h.prog.exprIndexes))
	}
	for _, ix := range h.prog.exprIndexes {
		return ix
	}
	return nil
}

// The entities of the reference's joins page.
const (
	joinsA = `{"_id": "A", "value": 1, "values": [1, 2, 4, 5]}`
	joinsB = `{"_id": "B", "value": 1, "values": [1, 3, 4, 6]}`
)

// TestExprJoinDocumentedForms: joins whose side on the alias being bound
// is an expression, in the forms the reference documents, give the
// documented results through an expression index.
func TestExprJoinDocumentedForms(t *testing.T) {
	ds := newLogDatasets()
	ds.write(t, "As", joinsA, `{"_id": "A2", "value": 7, "values": [7]}`)
	ds.write(t, "Bs", joinsB)
	ds.write(t, "people", `{"_id": "p1", "k": "ann"}`, `{"_id": "p2", "k": "Bob"}`, `{"_id": "p3", "k": ["x", "ann"]}`, `{"_id": "p4"}`)
	ds.write(t, "share",
		`{"_id": "s1", "$generated_id": ["old-1", "new-1"], "$origin": "crm:1"}`,
		`{"_id": "s2", "$generated_id": "new-2", "$origin": "crm:2"}`,
		`{"_id": "s3", "$generated_id": ["new-1", "other"], "$origin": "crm:3"}`)

	// joins.rst: ["eq", ["+", "a.value", 2], "b.values"] succeeds, as 3 is
	// a value both share. Here b is bound first, so a is reached through
	// the index on ["+", "a.value", 2].
	h := newHopper(t, ds, `["hops", {"datasets": ["Bs b", "As a"], "where": [["eq", "_S.b", "b._id"], ["eq", ["+", "a.value", 2], "b.values"]], "return": "a._id"}]`)
	h.want(`{"b": "B"}`, `["A"]`)
	if ix := h.index(); ix.dataset != "As" || ix.evals != 2 {
		t.Fatalf("index on %s evaluated %d entities, want As and 2", ix.dataset, ix.evals)
	}
	// Without the function the sides share 1 and 4; with it, not 1.
	newHopper(t, ds, `["hops", {"datasets": ["Bs b", "As a"], "where": [["eq", "_S.b", "b._id"], ["eq", ["+", "a.value", 8], "b.values"]], "return": "a._id"}]`).
		want(`{"b": "B"}`, `[]`)

	// ["eq", "_S.k", ["upper", "b.k"]]: a list value is each of its values.
	h = newHopper(t, ds, `["hops", {"datasets": ["people b"], "where": ["eq", "_S.k", ["upper", "b.k"]], "return": "b._id"}]`)
	h.want(`{"k": "ANN"}`, `["p1", "p3"]`)
	h.want(`{"k": ["BOB", "X"]}`, `["p2", "p3"]`)
	h.want(`{"k": "ann"}`, `[]`)
	h.want(`{"k": null}`, `[]`)

	// ["last", "st.$generated_id"]: the collect template's hop to the share
	// dataset by the last generated id.
	h = newHopper(t, ds, `["hops", {"datasets": ["share st"], "where": ["eq", "_S.id", ["last", "st.$generated_id"]], "return": "st.$origin"}]`)
	h.want(`{"id": "new-1"}`, `["crm:1"]`)
	h.want(`{"id": "new-2"}`, `["crm:2"]`)
	h.want(`{"id": "old-1"}`, `[]`)
	h.want(`{"id": "other"}`, `["crm:3"]`)

	// The four kinds of join of joins.rst, with the joined side an
	// expression (["map", "_.", …] gives the same values as the path).
	for _, tc := range []struct{ where, want string }{
		{`["eq", "a.value", ["map", "_.", "b.value"]]`, `["B"]`},
		{`["eq", "a.value", ["map", "_.", "b.values"]]`, `["B"]`},
		{`["eq", "a.values", ["map", "_.", "b.value"]]`, `["B"]`},
		{`["eq", "a.values", ["map", "_.", "b.values"]]`, `["B"]`},
		{`["eq", "a.values", ["map", ["+", "_.", 10], "b.values"]]`, `[]`},
	} {
		newHopper(t, ds, `["hops", {"datasets": ["As a", "Bs b"], "where": [["eq", "_S.a", "a._id"], `+tc.where+`], "return": "b._id"}]`).
			want(`{"a": "A"}`, tc.want)
	}

	// A function expression may use "_" on the joined side.
	newHopper(t, ds, `["hops", {"datasets": ["people b"], "where": ["eq", "_S.k", ["map", ["upper", "_."], "b.k"]], "return": "b._id"}]`).
		want(`{"k": "X"}`, `["p3"]`)
}

// TestExprJoinEvaluationsStayBounded: the index evaluates the expression
// once per entity of the joined dataset, on the first lookup, and then
// only on the entities written since; a lookup fetches only its matches.
func TestExprJoinEvaluationsStayBounded(t *testing.T) {
	const n = 500
	ds := newLogDatasets()
	for i := range n {
		ds.write(t, "people", fmt.Sprintf(`{"_id": "p%03d", "email": "User%d@Example.org", "team": %d}`, i, i, i%10))
	}
	h := newHopper(t, ds, `["hops", {"datasets": ["people p"], "where": ["eq", "_S.email", ["lower", "p.email"]], "return": "p._id"}]`)
	for i := range 200 {
		ds.gets = 0
		h.want(fmt.Sprintf(`{"email": "user%d@example.org"}`, i), fmt.Sprintf(`["p%03d"]`, i))
		if ds.gets != 1 {
			t.Fatalf("lookup %d fetched %d entities, want 1", i, ds.gets)
		}
	}
	ix := h.index()
	if ix.evals != n {
		t.Fatalf("200 lookups evaluated the expression %d times, want %d (once per entity)", ix.evals, n)
	}

	// Changes: one email changes, one entity is deleted, one is new.
	ds.write(t, "people",
		`{"_id": "p001", "email": "One@Example.org", "team": 1}`,
		`{"_id": "p002", "email": "User2@Example.org", "team": 2, "_deleted": true}`,
		`{"_id": "p999", "email": "user1@example.ORG", "team": 9}`)
	h.want(`{"email": "user1@example.org"}`, `["p999"]`)
	h.want(`{"email": "one@example.org"}`, `["p001"]`)
	h.want(`{"email": "user2@example.org"}`, `[]`)
	if ix.evals != n+2 {
		t.Fatalf("after 3 changes the index evaluated %d times, want %d (the two live ones)", ix.evals, n+2)
	}

	// A popular key (its _ids held in a set rather than a list): a lookup
	// fetches its matches, not the dataset.
	team := newHopper(t, ds, `["hops", {"datasets": ["people p"], "where": ["eq", "_S.team", ["+", "p.team", 0]], "return": "p._id"}]`)
	ds.gets = 0
	got, err := team.run(`{"team": 7}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(AsList(got)) != n/10 || ds.gets != n/10 {
		t.Fatalf("team 7: %d results, %d fetched; want %d of each", len(AsList(got)), ds.gets, n/10)
	}
	// Moving every member of team 7 elsewhere empties the key.
	for i := 7; i < n; i += 10 {
		ds.write(t, "people", fmt.Sprintf(`{"_id": "p%03d", "email": "x", "team": 8}`, i))
	}
	team.want(`{"team": 7}`, `[]`)
	got, _ = team.run(`{"team": 8}`)
	if len(AsList(got)) != 2*n/10 {
		t.Fatalf("team 8: %d results, want %d", len(AsList(got)), 2*n/10)
	}
	if len(team.index().many) != 9 || len(team.index().byKey) != 0 {
		t.Fatalf("%d keys in sets and %d in lists, want 9 and 0", len(team.index().many), len(team.index().byKey))
	}
}

// TestExprJoinMatchesPropertyJoin: over the same data, a join on an
// expression that gives a property's values finds what the join on the
// property finds, recursion and chains included.
func TestExprJoinMatchesPropertyJoin(t *testing.T) {
	ds := newLogDatasets()
	ds.write(t, "Person",
		`{"_id": "p1", "name": "Ann", "children": ["p2", "p3"], "gender": "female", "hobbies": ["h1"]}`,
		`{"_id": "p2", "name": "Bea", "children": ["p4"], "gender": "female", "hobbies": ["h2"]}`,
		`{"_id": "p3", "name": "Carl", "children": [], "gender": "male", "hobbies": ["h1"]}`,
		`{"_id": "p4", "name": "Dina", "children": [], "gender": "female", "hobbies": ["h3"], "age": 1.0}`)
	ds.write(t, "Hobby", `{"_id": "h1", "name": "chess"}`, `{"_id": "h2", "name": "climbing"}`, `{"_id": "h3", "name": "piano"}`)
	for _, tc := range []struct{ path, expr string }{
		{`["hops", {"datasets": ["Person p"], "where": [["eq", "_S.children", "p._id"], ["eq", "p.gender", "female"]], "recurse": true, "exclude_root": true}, {"datasets": ["Hobby h"], "where": ["eq", "_S.hobbies", "h._id"], "return": "h.name"}]`,
			`["hops", {"datasets": ["Person p"], "where": [["eq", "_S.children", ["string", "p._id"]], ["eq", "p.gender", "female"]], "recurse": true, "exclude_root": true}, {"datasets": ["Hobby h"], "where": ["eq", "_S.hobbies", ["string", "h._id"]], "return": "h.name"}]`},
		{`["hops", {"datasets": ["Person p", "Hobby h"], "where": [["eq", "_S.children", "p._id"], ["eq", "p.hobbies", "h._id"]], "return": ["list", "p.name", "h.name"]}]`,
			`["hops", {"datasets": ["Person p", "Hobby h"], "where": [["eq", "_S.children", ["string", "p._id"]], ["eq", ["map", "_.", "p.hobbies"], ["string", "h._id"]]], "return": ["list", "p.name", "h.name"]}]`},
		{`["hops", {"datasets": ["Person p"], "where": ["eq", "_S.n", "p.age"], "return": "p.name"}]`,
			`["hops", {"datasets": ["Person p"], "where": ["eq", "_S.n", ["+", "p.age", 0]], "return": "p.name"}]`},
	} {
		src := `{"_id": "p1", "children": ["p2", "p3"], "hobbies": ["h1"], "n": 1}`
		want, err := newHopper(t, ds, tc.path).run(src)
		if err != nil {
			t.Fatal(err)
		}
		got, err := newHopper(t, ds, tc.expr).run(src)
		if err != nil {
			t.Fatal(err)
		}
		if !sameValue(got, want) || len(AsList(want)) == 0 {
			t.Errorf("%s\n got %s\nwant %s (as %s)", tc.expr, EncodeJSON(got), EncodeJSON(want), tc.path)
		}
	}
}

// TestOrOfJoins: an or of joins that reaches an alias is served by the
// union of each join's lookup; an or over an alias another join reaches
// stays a filter whose eqs compare as eq does.
func TestOrOfJoins(t *testing.T) {
	ds := newLogDatasets()
	ds.write(t, "orders",
		`{"_id": "o1", "cust": "c1", "payer": "c9", "tags": ["a", "b"]}`,
		`{"_id": "o2", "cust": "c2", "payer": "c1", "tags": ["b"]}`,
		`{"_id": "o3", "cust": "c1", "payer": "c1", "tags": []}`,
		`{"_id": "o4", "cust": "c3", "payer": "C1"}`,
		`{"_id": "o5", "cust": "c3", "payer": "c3"}`)
	// Orders the customer placed or pays for (or pays for in upper case):
	// each order once, by _id.
	h := newHopper(t, ds, `["hops", {"datasets": ["orders o"], "where": ["or", ["eq", "_S._id", "o.cust"], ["eq", "_S._id", "o.payer"], ["eq", "_S._id", ["lower", "o.payer"]]], "return": "o._id"}]`)
	h.want(`{"_id": "c1"}`, `["o1", "o2", "o3", "o4"]`)
	h.want(`{"_id": "c3"}`, `["o4", "o5"]`)
	h.want(`{"_id": "c7"}`, `[]`)
	// The branches on a property use the property index, the one on an
	// expression its expression index.
	if keys := fmt.Sprint(h.prog.JoinKeys()); keys != "[{orders [cust]} {orders [payer]}]" {
		t.Fatalf("JoinKeys = %s", keys)
	}
	h.index()
	// An or as the only link between two aliases.
	ds.write(t, "people", `{"_id": "p1", "name": "c2"}`, `{"_id": "p2", "name": "c3"}`)
	newHopper(t, ds, `["hops", {"datasets": ["people p", "orders o"], "where": [["eq", "_S.p", "p._id"], ["or", ["eq", "p.name", "o.cust"], ["eq", "p.name", "o.payer"]]], "return": "o._id"}]`).
		want(`{"p": "p2"}`, `["o4", "o5"]`)

	// Reached by its own join, the alias is filtered by the or as eq
	// compares: ["a", "b"] is not ["b"].
	newHopper(t, ds, `["hops", {"datasets": ["orders o"], "where": [["eq", "_S._id", "o.cust"], ["or", ["eq", "o.tags", "_S.tags"], ["eq", "o.payer", "_S._id"]]], "return": "o._id"}]`).
		want(`{"_id": "c1", "tags": ["b"]}`, `["o3"]`)
	newHopper(t, ds, `["hops", {"datasets": ["orders o"], "where": [["eq", "_S._id", "o.cust"], ["or", ["eq", "o.tags", "_S.tags"], ["eq", "o.payer", "_S._id"]]], "return": "o._id"}]`).
		want(`{"_id": "c1", "tags": ["a", "b"]}`, `["o1", "o3"]`)
}

// TestExprJoinCompileErrors: a join side on an alias that the index could
// not hold fails at compile time, saying why.
func TestExprJoinCompileErrors(t *testing.T) {
	for _, tc := range []struct{ where, want string }{
		{`["eq", "_S.k", ["concat", "_S.p", "b.k"]]`, `cannot be indexed: it refers to _S as well as "b"`},
		{`["eq", "_S.k", ["lookup-entity", "x", "b.k"]]`, `it calls lookup-entity`},
		{`["eq", "_S.k", ["concat", "_.x", "b.k"]]`, `it refers to "_" outside a function expression`},
		{`["eq", "_S.k", ["concat", "b.k", ["is-changed", "b.k"]]]`, `it calls is-changed`},
		{`["or", ["eq", "_S.k", "b.k"], ["eq", "_S.k", ["concat", "_S.p", "b.k"]]]`, `cannot be indexed: it refers to _S`},
		{`["or", ["eq", "_S.k", "b.k"], ["eq", "b.k", 1]]`, `no join reaches alias "b"`},
	} {
		_, err := evalText(t, `["hops", {"datasets": ["x b"], "where": `+tc.where+`}]`, "", "", Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one containing %q", tc.where, err, tc.want)
		}
	}
}

// TestExprJoinNeedsChanges: datasets that cannot be followed refuse a join
// on an expression at run time, saying so.
func TestExprJoinNeedsChanges(t *testing.T) {
	unfollowable := struct{ Datasets }{exampleDatasets(t)}
	_, err := evalText(t, `["hops", {"datasets": ["orders o"], "where": ["eq", "_S._id", ["lower", "o.cust_id"]]}]`, `{"_id": "c1"}`, "", Options{Datasets: unfollowable})
	if err == nil || !strings.Contains(err.Error(), "cannot be followed") {
		t.Fatalf("err = %v", err)
	}
}

// TestExprJoinIndexErrors: an entity the expression fails on fails the
// lookup, naming it, until it changes.
func TestExprJoinIndexErrors(t *testing.T) {
	ds := newLogDatasets()
	ds.write(t, "x", `{"_id": "a", "k": "A"}`, `{"_id": "bad", "k": "B", "boom": true}`)
	h := newHopper(t, ds, `["hops", {"datasets": ["x b"], "where": ["eq", "_S.k", ["if", "b.boom", ["fail!", "bad entity"], "b.k"]], "return": "b._id"}]`)
	if _, err := h.run(`{"k": "A"}`); err == nil || !strings.Contains(err.Error(), `indexing entity "bad"`) {
		t.Fatalf("err = %v", err)
	}
	ds.write(t, "x", `{"_id": "bad", "k": "B"}`)
	h.want(`{"k": "B"}`, `["bad"]`)
	h.want(`{"k": "A"}`, `["a"]`)
}

// TestJoinKeyAgreesWithEqual: values Equal finds equal share a join key,
// and values it finds different do not.
func TestJoinKeyAgreesWithEqual(t *testing.T) {
	big20, _ := new(big.Int).SetString("100000000000000000000", 10)
	dec := func(s string) *apd.Decimal { d, _, _ := apd.NewFromString(s); return d }
	ts := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	vals := []Value{
		true, false, int64(0), int64(1), int64(-1), int64(100), int64(10), float64(0), float64(-0.0) * -1, 1.0, 100.0, 0.1, -1.5, 1e20, 1e300,
		big20, dec("1.00"), dec("0.10"), dec("100"), dec("1E+2"), dec("-1.5"), dec("0"), dec("-0.0"), dec("1E+20"),
		"1", "", "a", "a:b", ts, ts.Add(time.Nanosecond), UUID("0b1e7ad4-04d4-4e2f-8a3c-2f6c4bb1a8a1"), NI{NS: "a", ID: "b"}, NI{NS: "a:b", ID: ""},
		URI("http://x/"), Bytes("x"), List{}, List{int64(1), "a"}, List{1.0, "a"}, List{List{int64(1)}}, List{nil},
		mustDecode(t, "d", `{"a": 1, "b": [2]}`), mustDecode(t, "d", `{"b": [2.0], "a": 1.0}`), mustDecode(t, "d", `{"a": 1}`), mustDecode(t, "d", `{}`),
	}
	for _, a := range vals {
		for _, b := range vals {
			ka, _ := joinKey(a)
			kb, _ := joinKey(b)
			if Equal(a, b) != (ka == kb) {
				t.Errorf("%s and %s: Equal %v, keys %q and %q", EncodeJSON(a), EncodeJSON(b), Equal(a, b), ka, kb)
			}
		}
	}
	if _, ok := joinKey(nil); ok {
		t.Error("null has a join key")
	}
}

// TestExprJoinConcurrentLookups: a program's expression index serves
// several goroutines at once (run with -race); it is built once.
func TestExprJoinConcurrentLookups(t *testing.T) {
	ds := memDatasets{}
	for i := range 200 {
		ds["people"] = append(ds["people"], mustDecode(t, "person", fmt.Sprintf(`{"_id": "p%03d", "k": "k%d"}`, i, i%20)).(*Dict))
	}
	h := newHopper(t, ds, `["hops", {"datasets": ["people p"], "where": ["eq", "_S.k", ["lower", "p.k"]], "return": "p._id"}]`)
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			for i := range 50 {
				got, err := h.run(fmt.Sprintf(`{"k": "k%d"}`, (g+i)%20))
				if err == nil && len(AsList(got)) != 10 {
					err = fmt.Errorf("k%d: %s", (g+i)%20, EncodeJSON(got))
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if ix := h.index(); ix.evals != 200 {
		t.Fatalf("the index evaluated %d entities, want 200", ix.evals)
	}
}
