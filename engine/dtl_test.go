package engine_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/builtin"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
)

// engineFor loads a config folder holding the given files and binds it to
// st, as a restart of sluice with an edited config would.
func engineFor(t *testing.T, st *store.Store, files map[string]string) *engine.Engine {
	t.Helper()
	dir := testkit.ConfigDir(t, files)
	reg := builtin.Registry()
	cfg, err := pipes.Load(dir, pipes.Options{Types: reg})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(context.Background(), cfg, st, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

func runPipe(t *testing.T, eng *engine.Engine, id string, opts engine.RunOptions) engine.Summary {
	t.Helper()
	sum, err := eng.Run(context.Background(), id, opts)
	if err != nil {
		t.Fatalf("run %s: %v", id, err)
	}
	return sum
}

// latest returns the latest non-deleted versions of a dataset by _id,
// without the store's metadata.
func latest(t *testing.T, st *store.Store, ds string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	err := st.Scan(ds, store.ReadOptions{SkipDeleted: true}, func(_ uint64, e []byte) error {
		var m map[string]any
		if err := json.Unmarshal(e, &m); err != nil {
			return err
		}
		for _, k := range []string{"_deleted", "_hash", "_previous", "_ts", "_updated"} {
			delete(m, k)
		}
		out[m["_id"].(string)] = m
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func expectEntities(t *testing.T, st *store.Store, ds string, want string) {
	t.Helper()
	var w []map[string]any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	wm := map[string]map[string]any{}
	for _, e := range w {
		wm[e["_id"].(string)] = e
	}
	got := latest(t, st, ds)
	if !reflect.DeepEqual(got, wm) {
		g, _ := json.Marshal(got)
		t.Fatalf("%s:\n got  %s\n want %s", ds, g, want)
	}
}

const hopsCustomers = `{"_id": "customers", "type": "pipe",
  "source": {"type": "embedded", "entities": [
    {"_id": "c1", "name": "Ann"}, {"_id": "c2", "name": "Bob"}, {"_id": "c3", "name": "Cid"}]}}`

const hopsCustomerOrders = `{"_id": "customer-orders", "type": "pipe",
  "source": {"type": "dataset", "dataset": "customers"},
  "transform": {"type": "dtl", "rules": {"default": [
    ["copy", "_id"],
    ["add", "name", "_S.name"],
    ["add", "orders", ["hops", {"datasets": ["orders o"], "where": [["eq", "_S._id", "o.cust_id"]], "return": "o._id"}]],
    ["add", "total", ["sum", ["hops", {"datasets": ["orders o"], "where": [["eq", "_S._id", "o.cust_id"]], "return": "o.amount"}]]]]}},
  "sink": {"type": "dataset", "dataset": "customer-orders"}}`

func TestDTLHopsPipe(t *testing.T) {
	st := testkit.OpenStore(t)

	eng := engineFor(t, st, map[string]string{
		"customers.json": hopsCustomers,
		"orders.json": `{"_id": "orders", "type": "pipe",
		  "source": {"type": "embedded", "entities": [
		    {"_id": "o1", "cust_id": "c1", "amount": 10},
		    {"_id": "o2", "cust_id": "c1", "amount": 20},
		    {"_id": "o3", "cust_id": "c2", "amount": 5}]}}`,
		"customer-orders.json": hopsCustomerOrders,
	})
	// Loading the pipe declared the join index, before orders has data.
	if info, ok := st.Dataset("orders"); !ok || len(info.JoinIndexes) != 1 || strings.Join(info.JoinIndexes[0], ".") != "cust_id" {
		t.Fatalf("orders after load = %+v, %v", info, ok)
	}
	runPipe(t, eng, "customers", engine.RunOptions{})
	runPipe(t, eng, "orders", engine.RunOptions{})
	sum := runPipe(t, eng, "customer-orders", engine.RunOptions{})
	if sum.Read != 3 || sum.Written != 3 || !sum.Full {
		t.Fatalf("first run = %+v", sum)
	}
	expectEntities(t, st, "customer-orders", `[
	  {"_id": "c1", "name": "Ann", "orders": ["o1", "o2"], "total": 30},
	  {"_id": "c2", "name": "Bob", "orders": ["o3"], "total": 5},
	  {"_id": "c3", "name": "Cid", "orders": [], "total": 0}]`)

	// The orders change: o1 is gone, o2 moves to c2, o3 grows, o4 is new.
	eng = engineFor(t, st, map[string]string{
		"customers.json": hopsCustomers,
		"orders.json": `{"_id": "orders", "type": "pipe",
		  "source": {"type": "embedded", "entities": [
		    {"_id": "o2", "cust_id": "c2", "amount": 20},
		    {"_id": "o3", "cust_id": "c2", "amount": 7},
		    {"_id": "o4", "cust_id": "c3", "amount": 1}]}}`,
		"customer-orders.json": hopsCustomerOrders,
	})
	if sum := runPipe(t, eng, "orders", engine.RunOptions{}); sum.Deleted != 1 || sum.Written != 4 {
		t.Fatalf("orders rerun = %+v", sum)
	}
	if info, _ := st.Dataset("orders"); len(info.JoinIndexes) != 1 {
		t.Fatalf("reloading the config added an index: %v", info.JoinIndexes)
	}
	// Incremental: customers did not change, so nothing is re-read (hops
	// do not track dependencies) and the output is as before.
	if sum := runPipe(t, eng, "customer-orders", engine.RunOptions{}); sum.Read != 0 || sum.Full {
		t.Fatalf("incremental run = %+v", sum)
	}
	expectEntities(t, st, "customer-orders", `[
	  {"_id": "c1", "name": "Ann", "orders": ["o1", "o2"], "total": 30},
	  {"_id": "c2", "name": "Bob", "orders": ["o3"], "total": 5},
	  {"_id": "c3", "name": "Cid", "orders": [], "total": 0}]`)
	// A full run re-reads every customer and the hops see the new orders.
	sum = runPipe(t, eng, "customer-orders", engine.RunOptions{Full: true})
	if sum.Read != 3 || sum.Written != 3 || sum.Deleted != 0 || !sum.Full {
		t.Fatalf("full run = %+v", sum)
	}
	expectEntities(t, st, "customer-orders", `[
	  {"_id": "c1", "name": "Ann", "orders": [], "total": 0},
	  {"_id": "c2", "name": "Bob", "orders": ["o2", "o3"], "total": 27},
	  {"_id": "c3", "name": "Cid", "orders": ["o4"], "total": 1}]`)

	// A write straight into orders is seen too.
	write(t, st, "orders", `{"_id": "o5", "cust_id": "c1", "amount": 100}`, `{"_id": "o4", "cust_id": "c3", "amount": 1, "_deleted": true}`)
	runPipe(t, eng, "customer-orders", engine.RunOptions{Full: true})
	expectEntities(t, st, "customer-orders", `[
	  {"_id": "c1", "name": "Ann", "orders": ["o5"], "total": 100},
	  {"_id": "c2", "name": "Bob", "orders": ["o2", "o3"], "total": 27},
	  {"_id": "c3", "name": "Cid", "orders": [], "total": 0}]`)
}

func TestDTLFilterDeletesOnIncrementalRun(t *testing.T) {
	eng, st := setup(t, `{"_id": "active", "type": "pipe",
	  "source": {"type": "dataset", "dataset": "people"},
	  "transform": {"type": "dtl", "rules": {"default": [
	    ["copy", "_id"], ["copy", "*", "_*"],
	    ["filter", ["eq", "_S.active", true]]]}},
	  "sink": {"type": "dataset", "dataset": "active-people"}}`)
	write(t, st, "people", `{"_id": "a", "active": true}`, `{"_id": "b", "active": true}`, `{"_id": "c", "active": false}`)
	sum := runPipe(t, eng, "active", engine.RunOptions{})
	if sum.Read != 3 || sum.Written != 2 || sum.Deleted != 0 || !sum.Full {
		t.Fatalf("first run = %+v", sum)
	}
	// c never passed the filter: nothing was written for it.
	if got := strings.Join(ids(t, st, "active-people", store.ReadOptions{History: true}), ","); got != "a,b" {
		t.Fatalf("active-people = %s", got)
	}

	// b no longer passes; d is new and does not pass either.
	write(t, st, "people", `{"_id": "b", "active": false}`, `{"_id": "d"}`)
	sum = runPipe(t, eng, "active", engine.RunOptions{})
	if sum.Read != 2 || sum.Full || sum.Written != 1 || sum.Deleted != 1 {
		t.Fatalf("incremental run = %+v", sum)
	}
	if got := strings.Join(ids(t, st, "active-people", store.ReadOptions{History: true}), ","); got != "a,b,b(deleted)" {
		t.Fatalf("active-people history = %s", got)
	}
	// The deletion is b's last content, marked deleted (not the filtered
	// target, which has other content and a _filtered mark).
	e, ok, err := st.Get("active-people", "b")
	if err != nil || !ok || !strings.Contains(string(e), `"active":true`) || strings.Contains(string(e), "_filtered") {
		t.Fatalf("b = %s, %v, %v", e, ok, err)
	}
	expectEntities(t, st, "active-people", `[{"_id": "a", "active": true}]`)

	// Filtered again: b is already deleted, so nothing changes.
	write(t, st, "people", `{"_id": "b", "active": "no"}`)
	sum = runPipe(t, eng, "active", engine.RunOptions{})
	if sum.Read != 1 || sum.Written != 0 || sum.Deleted != 0 {
		t.Fatalf("second filtered run = %+v", sum)
	}
	// Passing again: b comes back.
	write(t, st, "people", `{"_id": "b", "active": true, "v": 2}`)
	sum = runPipe(t, eng, "active", engine.RunOptions{})
	if sum.Read != 1 || sum.Written != 1 || sum.Deleted != 0 {
		t.Fatalf("b passes again = %+v", sum)
	}
	expectEntities(t, st, "active-people", `[{"_id": "a", "active": true}, {"_id": "b", "active": true, "v": 2}]`)
	if info, _ := st.Dataset("active-people"); info.Deleted != 0 || info.Entities != 2 {
		t.Fatalf("active-people info = %+v", info)
	}
}
