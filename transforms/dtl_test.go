package transforms_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/builtin"
	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/dtl"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
)

// build loads a pipe with the given id and transforms (a JSON object or
// list) and returns its built transforms. st may be nil: no store.
func build(t *testing.T, st *store.Store, pipeID, transform string) ([]component.Transform, error) {
	t.Helper()
	dir := t.TempDir()
	cfg := fmt.Sprintf(`{"_id": %q, "type": "pipe",
	  "source": {"type": "embedded", "entities": []},
	  "transform": %s,
	  "sink": {"type": "null"}}`, pipeID, transform)
	if err := os.WriteFile(filepath.Join(dir, "p.json"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	reg := builtin.Registry()
	c, err := pipes.Load(dir, pipes.Options{Types: reg})
	if err != nil {
		return nil, err
	}
	eng, err := engine.New(context.Background(), c, st, reg, nil)
	if err != nil {
		return nil, err
	}
	p, err := eng.Pipe(pipeID)
	if err != nil {
		t.Fatal(err)
	}
	return p.Transforms, nil
}

// mustBuild is build for a single transform that must build.
func mustBuild(t *testing.T, st *store.Store, transform string) component.Transform {
	t.Helper()
	ts, err := build(t, st, "p", transform)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 {
		t.Fatalf("built %d transforms", len(ts))
	}
	return ts[0]
}

func run(t *testing.T, tr component.Transform, docs ...string) ([]entity.Entity, error) {
	t.Helper()
	in := make([]entity.Entity, len(docs))
	for i, d := range docs {
		in[i] = entity.Entity(d)
	}
	return tr.Transform(context.Background(), in)
}

// mustRun runs the transform and compares its output, entity by entity, as
// JSON values (member order ignored) with want.
func mustRun(t *testing.T, tr component.Transform, want []string, docs ...string) []entity.Entity {
	t.Helper()
	out, err := run(t, tr, docs...)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, out, want)
	return out
}

func sameJSON(t *testing.T, got []entity.Entity, want []string) {
	t.Helper()
	gs := make([]string, len(got))
	for i, e := range got {
		gs[i] = string(e)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d entities, want %d:\n got  %s\n want %s", len(got), len(want), strings.Join(gs, " "), strings.Join(want, " "))
	}
	for i := range want {
		var g, w any
		if err := json.Unmarshal(got[i], &g); err != nil {
			t.Fatalf("output %d is not JSON: %v: %s", i, err, got[i])
		}
		if m, ok := g.(map[string]any); ok {
			for k, v := range m {
				m[k] = dropStoreMeta(v)
			}
		}
		if err := json.Unmarshal([]byte(want[i]), &w); err != nil {
			t.Fatalf("want %d is not JSON: %v", i, err)
		}
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("entity %d:\n got  %s\n want %s", i, got[i], want[i])
		}
	}
}

// storeMeta are the properties the store adds to every version; entities
// from hops and lookup-entity carry them.
var storeMeta = []string{"_deleted", "_hash", "_previous", "_ts", "_updated"}

// dropStoreMeta removes storeMeta from the dicts nested in v.
func dropStoreMeta(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range storeMeta {
			delete(x, k)
		}
		for k, e := range x {
			x[k] = dropStoreMeta(e)
		}
	case []any:
		for i, e := range x {
			x[i] = dropStoreMeta(e)
		}
	}
	return v
}

func write(t *testing.T, st *store.Store, ds string, docs ...string) {
	t.Helper()
	es := make([]entity.Entity, len(docs))
	for i, d := range docs {
		es[i] = entity.Entity(d)
	}
	if _, err := st.Write(ds, es, store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestDTLCopyAndAdd(t *testing.T) {
	tr := mustBuild(t, nil, `{"type": "dtl", "rules": {"default": [
	  ["copy", "*", "secret"],
	  ["add", "name", ["concat", "_S.first", " ", "_S.last"]],
	  ["add", "n", ["plus", 1, "_S.n"]]]}}`)
	mustRun(t, tr, []string{
		`{"_id": "a", "first": "Ada", "last": "Lovelace", "n": 2, "name": "Ada Lovelace"}`,
		`{"_id": "b", "first": "B", "last": "C", "n": 1, "name": "B C"}`,
	},
		`{"_id": "a", "first": "Ada", "last": "Lovelace", "n": 1, "secret": "x"}`,
		`{"_id": "b", "first": "B", "last": "C", "n": 0}`)
	// An empty batch gives an empty batch.
	mustRun(t, tr, nil)
}

func TestDTLFilter(t *testing.T) {
	// filter after the target got its content: the output is the target,
	// marked _filtered, so a dataset sink deletes the entity.
	tr := mustBuild(t, nil, `{"type": "dtl", "rules": {"default": [
	  ["copy", "*"],
	  ["filter", ["eq", "_S.active", true]],
	  ["add", "after", true]]}}`)
	mustRun(t, tr, []string{
		`{"_id": "a", "active": true, "after": true}`,
		`{"_id": "b", "active": false, "_filtered": true}`,
		`{"_id": "c", "_filtered": true}`,
	}, `{"_id": "a", "active": true}`, `{"_id": "b", "active": false}`, `{"_id": "c"}`)

	// filter before the target has an _id: the output still names the
	// source entity.
	tr = mustBuild(t, nil, `{"type": "dtl", "rules": {"default": [
	  ["filter", ["eq", "_S.active", true]],
	  ["copy", "*"]]}}`)
	mustRun(t, tr, []string{
		`{"_filtered": true, "_id": "b"}`,
		`{"_id": "a", "active": true}`,
	}, `{"_id": "b", "active": false}`, `{"_id": "a", "active": true}`)

	// A target _id other than the source's is kept.
	tr = mustBuild(t, nil, `{"type": "dtl", "rules": {"default": [
	  ["add", "_id", ["concat", "x-", "_S._id"]],
	  ["filter"]]}}`)
	mustRun(t, tr, []string{`{"_id": "x-b", "_filtered": true}`}, `{"_id": "b"}`)
}

func TestDTLDiscard(t *testing.T) {
	tr := mustBuild(t, nil, `{"type": "dtl", "rules": {"default": [
	  ["copy", "*"],
	  ["create", ["list", ["dict", "_id", ["concat", "_S._id", "-made"]]]],
	  ["discard", ["eq", "_S.keep", true]]]}}`)
	// Discarded targets vanish; what create emitted before stays.
	mustRun(t, tr, []string{
		`{"_id": "a-made"}`,
		`{"_id": "b", "keep": true}`,
		`{"_id": "b-made"}`,
	}, `{"_id": "a"}`, `{"_id": "b", "keep": true}`)
}

func TestDTLCreate(t *testing.T) {
	tr := mustBuild(t, nil, `{"type": "dtl", "rules": {
	  "default": [
	    ["add", "_id", "_S._id"],
	    ["create", ["apply", "line", "_S.lines"]],
	    ["add", "count", ["count", "_S.lines"]]],
	  "line": [
	    ["add", "_id", ["concat", "_P._S._id", ":", "_S.n"]],
	    ["add", "order", "_P._S._id"],
	    ["filter", ["neq", "_S.n", "skip"]]]}}`)
	// The target first, then the created entities in order; an applied
	// rule that filters leaves its value out.
	mustRun(t, tr, []string{
		`{"_id": "o1", "count": 3}`,
		`{"_id": "o1:1", "order": "o1"}`,
		`{"_id": "o1:2", "order": "o1"}`,
		`{"_id": "o2", "count": 0}`,
	}, `{"_id": "o1", "lines": [{"n": "1"}, {"n": "skip"}, {"n": "2"}]}`, `{"_id": "o2", "lines": []}`)
}

func TestDTLIDRequired(t *testing.T) {
	tr := mustBuild(t, nil, `{"type": "dtl", "rules": {"default": [["add", "x", "_S.x"]]}}`)
	_, err := run(t, tr, `{"_id": "ok", "x": 1}`)
	if !errors.Is(err, dtl.ErrNoID) {
		t.Fatalf("err = %v, want ErrNoID", err)
	}
	var re *dtl.RuntimeError
	if !errors.As(err, &re) || re.Pipe != "p" || re.Rule != "default" || re.EntityID != "ok" {
		t.Fatalf("err = %#v", err)
	}
	for _, want := range []string{"pipe p", "rule default", `entity "ok"`, "id_required"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}

	// A non-string _id is no _id either.
	tr = mustBuild(t, nil, `{"type": "dtl", "rules": {"default": [["add", "_id", 7]]}}`)
	if _, err := run(t, tr, `{"_id": "a"}`); !errors.Is(err, dtl.ErrNoID) {
		t.Fatalf("numeric _id: err = %v", err)
	}
	// A created entity without _id fails as well.
	tr = mustBuild(t, nil, `{"type": "dtl", "rules": {"default": [["copy", "_id"], ["create", ["dict", "x", 1]]]}}`)
	if _, err := run(t, tr, `{"_id": "a"}`); err == nil {
		t.Fatal("created entity without _id: no error")
	}

	// With id_required off, entities without an _id are left out (the
	// reference: "the values will be ignored"), and so are created ones.
	tr = mustBuild(t, nil, `{"type": "dtl", "id_required": false, "rules": {"default": [
	  ["add", "x", "_S.x"], ["if", ["eq", "_S.x", 2], ["add", "_id", "_S._id"]],
	  ["create", ["list", 5, ["dict", "x", 1], ["dict", "_id", "c"]]]]}}`)
	mustRun(t, tr, []string{`{"_id": "c"}`, `{"_id": "two", "x": 2}`, `{"_id": "c"}`},
		`{"_id": "ok", "x": 1}`, `{"_id": "two", "x": 2}`)
}

func TestDTLRuntimeErrorNamesPipeRuleEntity(t *testing.T) {
	tr := mustBuild(t, nil, `{"type": "dtl", "rules": {
	  "default": [["copy", "*"], ["add", "sub", ["apply", "sub", "_S."]]],
	  "sub": [["fail!", "boom"]]}}`)
	_, err := run(t, tr, `{"_id": "e1"}`)
	var re *dtl.RuntimeError
	if !errors.As(err, &re) || re.Pipe != "p" || re.Rule != "sub" || re.EntityID != "e1" {
		t.Fatalf("err = %#v (%v)", err, err)
	}
	if !strings.Contains(err.Error(), "boom") {
		t.Fatalf("err = %v", err)
	}
	// The pipe's id in the error is the pipe the transform belongs to.
	ts, err := build(t, nil, "other-pipe", `{"type": "dtl", "rules": {"default": [["add", "x", 1]]}}`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, ts[0], `{"_id": "e2"}`); err == nil || !strings.Contains(err.Error(), "pipe other-pipe") {
		t.Fatalf("err = %v", err)
	}
}

func TestDTLTriggerOn(t *testing.T) {
	tr := mustBuild(t, nil, `{"type": "dtl",
	  "trigger_on": {"key": "type", "value": "pers*"},
	  "rules": {"default": [["copy", "_id"], ["add", "seen", true]]}}`)
	untouched := `{ "_id" : "x",  "type":"thing", "_updated": 4, "$odd": [1, 2.50] }`
	out := mustRun(t, tr, []string{
		`{"_id": "a", "seen": true}`,
		untouched,
		`{"_id": "b", "seen": true}`,
	}, `{"_id": "a", "type": "person"}`, untouched, `{"_id": "b", "type": ["person"]}`)
	if string(out[1]) != untouched {
		t.Fatalf("untriggered entity changed:\n got  %s\n want %s", out[1], untouched)
	}
	// Without "key", the key is _trigger; a value without * must be equal.
	tr = mustBuild(t, nil, `{"type": "dtl", "trigger_on": {"value": 3}, "rules": {"default": [["copy", "_id"]]}}`)
	mustRun(t, tr, []string{`{"_id": "a"}`, `{"_id": "b", "_trigger": 4}`},
		`{"_id": "a", "_trigger": 3.0}`, `{"_id": "b", "_trigger": 4}`)
	// trigger_on is {"key", "value"}: anything else fails the load.
	for _, bad := range []string{`["eq", "_S.type", "person"]`, `{"key": "type"}`, `{"value": 1, "other": 2}`} {
		if _, err := build(t, nil, "p", `{"type": "dtl", "trigger_on": `+bad+`, "rules": {"default": []}}`); err == nil {
			t.Errorf("trigger_on %s accepted", bad)
		}
	}
}

func TestDTLBadRulesFailToLoad(t *testing.T) {
	for _, tc := range []string{
		`{"type": "dtl", "rules": {"other": []}}`,
		`{"type": "dtl", "rules": {"default": [["no-such-statement"]]}}`,
		`{"type": "dtl"}`,
	} {
		if _, err := build(t, nil, "p", tc); err == nil {
			t.Errorf("%s: loaded", tc)
		}
	}
	// hops without a store cannot run.
	tr := mustBuild(t, nil, `{"type": "dtl", "rules": {"default": [["copy", "_id"],
	  ["add", "o", ["hops", {"datasets": ["orders o"], "where": [["eq", "_S._id", "o.cust_id"]]}]]]}}`)
	if _, err := run(t, tr, `{"_id": "c1"}`); err == nil {
		t.Fatal("hops without datasets: no error")
	}
}

func TestEmitChildren(t *testing.T) {
	tr := mustBuild(t, nil, `{"type": "emit_children"}`)
	mustRun(t, tr, []string{
		`{"_id": "c1", "v": 1}`,
		`{"_id": "c2", "$children": []}`,
		`{"_id": "c3"}`,
	},
		`{"_id": "p1", "$children": [{"_id": "c1", "v": 1}, {"_id": "c2", "$children": []}]}`,
		`{"_id": "p2"}`,
		`{"_id": "p3", "$children": []}`,
		`{"_id": "p4", "$children": [{"_id": "c3"}]}`)
	if _, err := run(t, tr, `{"_id": "p", "$children": [{"x": 1}]}`); err == nil || !strings.Contains(err.Error(), `"p"`) {
		t.Fatalf("child without _id: %v", err)
	}
	if _, err := run(t, tr, `{"_id": "p", "$children": ["c"]}`); err == nil {
		t.Fatal("non-object child: no error")
	}

	// With create-child in a dtl transform before it.
	ts, err := build(t, nil, "p", `[
	  {"type": "dtl", "rules": {"default": [["add", "_id", "_S._id"],
	    ["create-child", ["apply", "kid", "_S.kids"]]],
	    "kid": [["add", "_id", ["concat", "_P._S._id", "/", "_S."]], ["add", "parent", "_P._S._id"]]}},
	  {"type": "emit_children"}]`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := run(t, ts[0], `{"_id": "a", "kids": ["x", "y"]}`, `{"_id": "b"}`)
	if err != nil {
		t.Fatal(err)
	}
	out, err = ts[1].Transform(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, out, []string{`{"_id": "a/x", "parent": "a"}`, `{"_id": "a/y", "parent": "a"}`})
}

const hopOrders = `{"type": "dtl", "rules": {"default": [
  ["copy", "_id"],
  ["add", "orders", ["hops", {"datasets": ["orders o"], "where": [["eq", "_S._id", "o.cust_id"]], "return": "o._id"}]],
  ["add", "amounts", ["hops", {"datasets": ["orders o"], "where": [["eq", "_S._id", "o.cust_id"]], "return": "o.amount"}]]]}}`

func TestHopsAgainstStore(t *testing.T) {
	st := testkit.OpenStore(t)
	write(t, st, "orders",
		`{"_id": "o3", "cust_id": "c1", "amount": 30}`,
		`{"_id": "o1", "cust_id": "c1", "amount": 10}`,
		`{"_id": "o2", "cust_id": "c2", "amount": 20}`,
		`{"_id": "o4", "cust_id": "c1", "amount": 40}`)
	write(t, st, "orders", `{"_id": "o4", "cust_id": "c1", "amount": 40, "_deleted": true}`)

	tr := mustBuild(t, st, hopOrders)
	// Building the transform declared the index the hops need.
	if info, _ := st.Dataset("orders"); fmt.Sprint(info.JoinIndexes) != "[[cust_id]]" {
		t.Fatalf("JoinIndexes = %v", info.JoinIndexes)
	}
	mustRun(t, tr, []string{
		`{"_id": "c1", "orders": ["o1", "o3"], "amounts": [10, 30]}`,
		`{"_id": "c2", "orders": ["o2"], "amounts": [20]}`,
		`{"_id": "c9", "orders": [], "amounts": []}`,
	}, `{"_id": "c1"}`, `{"_id": "c2"}`, `{"_id": "c9"}`)

	// The hops see later writes: a moved order, a new one, a deletion.
	write(t, st, "orders",
		`{"_id": "o1", "cust_id": "c2", "amount": 11}`,
		`{"_id": "o0", "cust_id": "c1", "amount": 5}`,
		`{"_id": "o2", "cust_id": "c2", "amount": 20, "_deleted": true}`)
	mustRun(t, tr, []string{
		`{"_id": "c1", "orders": ["o0", "o3"], "amounts": [5, 30]}`,
		`{"_id": "c2", "orders": ["o1"], "amounts": [11]}`,
	}, `{"_id": "c1"}`, `{"_id": "c2"}`)

	// A second transform on the same index does not add another.
	mustBuild(t, st, hopOrders)
	if info, _ := st.Dataset("orders"); len(info.JoinIndexes) != 1 {
		t.Fatalf("JoinIndexes = %v", info.JoinIndexes)
	}
}

func TestHopsIntoMissingDataset(t *testing.T) {
	st := testkit.OpenStore(t)
	tr := mustBuild(t, st, `{"type": "dtl", "rules": {"default": [["copy", "_id"],
	  ["add", "x", ["hops", {"datasets": ["later l"], "where": [["eq", "_S._id", "l.ref"]]}]]]}}`)
	// The index (and so the dataset) exists before any data arrives.
	if info, ok := st.Dataset("later"); !ok || len(info.JoinIndexes) != 1 {
		t.Fatalf("later = %+v, %v", info, ok)
	}
	mustRun(t, tr, []string{`{"_id": "a", "x": []}`}, `{"_id": "a"}`)
	write(t, st, "later", `{"_id": "l1", "ref": "a"}`)
	out := mustRun(t, tr, []string{`{"_id": "a", "x": [{"_id": "l1", "ref": "a"}]}`}, `{"_id": "a"}`)
	// Hops return the stored version, with its metadata.
	if !strings.Contains(string(out[0]), `"_updated":0`) || !strings.Contains(string(out[0]), `"_deleted":false`) {
		t.Fatalf("hop result without store metadata: %s", out[0])
	}
}

func TestHopsByIDListsNumbersAndChains(t *testing.T) {
	st := testkit.OpenStore(t)
	write(t, st, "customers",
		`{"_id": "c1", "name": "One", "num": 1}`,
		`{"_id": "c2", "name": "Two", "num": 2}`,
		`{"_id": "c3", "name": "Gone"}`)
	write(t, st, "customers", `{"_id": "c3", "name": "Gone", "_deleted": true}`)
	write(t, st, "orders",
		`{"_id": "o1", "cust_id": "c1", "lines": [{"product_id": "p1"}, {"product_id": "p2"}]}`,
		`{"_id": "o2", "cust_id": "c2", "lines": [{"product_id": "p2"}]}`,
		`{"_id": "o3", "cust_id": "c3", "lines": [{"product_id": "p3"}]}`)
	write(t, st, "products",
		`{"_id": "p1", "name": "Pen"}`,
		`{"_id": "p2", "name": "Ink"}`,
		`{"_id": "p3", "name": "Nib"}`)

	tr := mustBuild(t, st, `{"type": "dtl", "rules": {"default": [
	  ["copy", "_id"],
	  ["add", "customer", ["hops", {"datasets": ["customers c"], "where": [["eq", "_S.cust_id", "c._id"]], "return": "c.name"}]],
	  ["add", "buyers", ["hops", {"datasets": ["orders o"], "where": [["eq", "o.lines.product_id", "_S.pid"]], "return": "o._id"}]],
	  ["add", "by_num", ["hops", {"datasets": ["customers c"], "where": [["eq", "c.num", "_S.num"]], "return": "c._id"}]],
	  ["add", "names", ["hops", {"datasets": ["customers c"], "where": [["eq", "_S.cust_ids", "c._id"]], "return": "c.name"}]],
	  ["add", "products", ["hops", {"datasets": ["orders o", "products p"],
	     "where": [["eq", "o.cust_id", "_S.cust_id"], ["eq", "o.lines.product_id", "p._id"]], "return": "p.name"}]]]}}`)
	if info, _ := st.Dataset("orders"); fmt.Sprint(info.JoinIndexes) != "[[lines product_id] [cust_id]]" {
		t.Fatalf("orders JoinIndexes = %v", info.JoinIndexes)
	}
	if info, _ := st.Dataset("customers"); fmt.Sprint(info.JoinIndexes) != "[[num]]" {
		t.Fatalf("customers JoinIndexes = %v (hops by _id need none)", info.JoinIndexes)
	}
	mustRun(t, tr, []string{
		`{"_id": "q1", "customer": ["One"], "buyers": ["o1", "o2"], "by_num": ["c1"], "names": ["One", "Two"], "products": ["Pen", "Ink"]}`,
		`{"_id": "q2", "customer": [], "buyers": ["o3"], "by_num": ["c2"], "names": [], "products": ["Nib"]}`,
	},
		// 1.0 finds num 1; a list of keys finds each (the deleted c3 none).
		`{"_id": "q1", "cust_id": "c1", "pid": "p2", "num": 1.0, "cust_ids": ["c2", "c3", "c1", "c1"]}`,
		// Deleted entities never match by _id (c3); o3, which refers to
		// the deleted c3, is not deleted itself.
		`{"_id": "q2", "cust_id": "c3", "pid": "p3", "num": 2, "cust_ids": ["c3", null]}`)
}

func TestLookupEntity(t *testing.T) {
	st := testkit.OpenStore(t)
	write(t, st, "people", `{"_id": "a", "name": "A"}`, `{"_id": "b", "name": "B"}`)
	write(t, st, "people", `{"_id": "b", "name": "B", "_deleted": true}`)
	tr := mustBuild(t, st, `{"type": "dtl", "rules": {"default": [
	  ["copy", "_id"],
	  ["add", "p", ["lookup-entity", "people", "_S.ref"]],
	  ["add", "q", ["lookup-entity", "nowhere", "_S.ref"]]]}}`)
	mustRun(t, tr, []string{
		`{"_id": "1", "p": {"_id": "a", "name": "A"}, "q": null}`,
		`{"_id": "2", "p": null, "q": null}`,
		`{"_id": "3", "p": null, "q": null}`,
	}, `{"_id": "1", "ref": "a"}`, `{"_id": "2", "ref": "b"}`, `{"_id": "3", "ref": "zz"}`)
	// lookup-entity reads only the store; it declares no join index.
	if info, _ := st.Dataset("people"); len(info.JoinIndexes) != 0 {
		t.Fatalf("JoinIndexes = %v", info.JoinIndexes)
	}
	if _, ok := st.Dataset("nowhere"); ok {
		t.Fatal("lookup-entity created a dataset")
	}
}

// A store that fails must fail the entity, not look like a missing entity
// (which could make a rule filter, and so delete, what it should keep).
func TestLookupEntityStoreErrorFails(t *testing.T) {
	st := testkit.OpenStoreAt(t, t.TempDir())
	write(t, st, "people", `{"_id": "a", "name": "A"}`)
	tr := mustBuild(t, st, `{"type": "dtl", "rules": {"default": [
	  ["copy", "_id"], ["add", "p", ["lookup-entity", "people", "_S.ref"]]]}}`)
	hops := mustBuild(t, st, `{"type": "dtl", "rules": {"default": [
	  ["copy", "_id"], ["add", "p", ["hops", {"datasets": ["people x"], "where": [["eq", "_S.ref", "x.name"]]}]]]}}`)
	st.Close()
	if _, err := run(t, hops, `{"_id": "1", "ref": "A"}`); err == nil {
		t.Error("hops on a closed store: no error")
	}
	out, err := run(t, tr, `{"_id": "1", "ref": "a"}`)
	if err == nil {
		t.Errorf("lookup-entity on a closed store: no error, output %s", out)
	}
}

// Hops match when DTL's eq would (the spec: a join matches when the sides
// share a value): a decimal 1.0 equals the number 1, and two spellings of
// one instant are the same datetime.
func TestHopsMatchLikeEq(t *testing.T) {
	st := testkit.OpenStore(t)
	write(t, st, "things",
		`{"_id": "t1", "num": 1, "at": "~t2020-01-01T00:00:00.000Z"}`,
		`{"_id": "t2", "num": 2, "at": "~t2021-01-01T00:00:00Z"}`)
	for _, prop := range []string{"num", "at"} {
		t.Run(prop, func(t *testing.T) {
			tr := mustBuild(t, st, fmt.Sprintf(`{"type": "dtl", "rules": {"default": [
			  ["copy", "_id"],
			  ["add", "eq", ["eq", "_S.%[1]s", "_S.other"]],
			  ["add", "hop", ["hops", {"datasets": ["things x"], "where": [["eq", "_S.%[1]s", "x.%[1]s"]], "return": "x._id"}]]]}}`, prop))
			mustRun(t, tr, []string{`{"_id": "s", "eq": true, "hop": ["t1"]}`},
				`{"_id": "s", "num": "~f1.0", "at": "~t2020-01-01T01:00:00+01:00", "other": `+map[string]string{"num": `1`, "at": `"~t2020-01-01T00:00:00.000Z"`}[prop]+`}`)
		})
	}
}
