package engine_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
)

// completenessConfig: entities arrive at "in" by push, "mid" copies them,
// and "out" holds back what "mid" wrote until "mid" has completed a run
// that covers it.
const completenessConfig = `[
  {"_id": "in", "type": "pipe", "source": {"type": "http_endpoint"}},
  {"_id": "mid", "type": "pipe", "source": {"type": "dataset", "dataset": "in"}},
  {"_id": "out", "type": "pipe", "source": {"type": "dataset", "dataset": "mid", "completeness": true}}]`

func openEngine(t *testing.T, st *store.Store, config string) *engine.Engine {
	t.Helper()
	dir := testkit.ConfigDir(t, map[string]string{"p.json": config})
	reg := testRegistry(t)
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

func mustRun(t *testing.T, eng *engine.Engine, id string) engine.Summary {
	t.Helper()
	sum, err := eng.Run(context.Background(), id, engine.RunOptions{})
	if err != nil {
		t.Fatalf("run %s: %v", id, err)
	}
	return sum
}

func receive(t *testing.T, eng *engine.Engine, id string, docs ...string) {
	t.Helper()
	es := make([]entity.Entity, len(docs))
	for i, d := range docs {
		es[i] = entity.Entity(d)
	}
	if _, err := eng.Receive(context.Background(), id, es, engine.ReceiveOptions{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond) // later writes get a later _ts
}

// TestCompletenessHoldsBackUntilUpstreamCompleted is the acceptance case:
// the outgoing pipe passes on an entity only once every pipe upstream of it
// has completed after it was written, never moves its offset past what it
// holds back, and all of it survives reopening the store.
func TestCompletenessHoldsBackUntilUpstreamCompleted(t *testing.T) {
	dir := t.TempDir()
	st := testkit.OpenStoreAt(t, dir)
	eng := openEngine(t, st, completenessConfig)

	receive(t, eng, "in", `{"_id": "e1"}`)
	if st.Completeness("in") == 0 {
		t.Fatal("an accepted request must set the receiver's completeness")
	}
	mustRun(t, eng, "mid")
	if got, want := st.Completeness("mid"), st.Completeness("in"); got != want {
		t.Fatalf("mid completeness %d, want in's %d", got, want)
	}
	time.Sleep(2 * time.Millisecond)
	if sum := mustRun(t, eng, "out"); sum.Read != 0 || string(sum.Offset) != "null" {
		t.Fatalf("out read %d (offset %s) before mid completed after e1 was written", sum.Read, sum.Offset)
	}
	receive(t, eng, "in", `{"_id": "e2"}`)
	if sum := mustRun(t, eng, "out"); sum.Read != 0 {
		t.Fatalf("out read %d although mid has not run again", sum.Read)
	}
	mustRun(t, eng, "mid") // completes with in's completeness, after e1 (not e2) was written to mid
	sum := mustRun(t, eng, "out")
	if sum.Read != 1 || string(sum.Offset) != "0" {
		t.Fatalf("out read %d, offset %s; want e1 only, offset 0", sum.Read, sum.Offset)
	}
	if got := ids(t, st, "out", store.ReadOptions{}); !slices.Equal(got, []string{"e1"}) {
		t.Fatalf("out holds %v", got)
	}
	// out's own completeness is mid's, taken when its run started.
	if st.Completeness("out") != st.Completeness("mid") {
		t.Fatalf("out completeness %d, mid %d", st.Completeness("out"), st.Completeness("mid"))
	}

	// Reopened: the timestamps and the offset are where they were.
	before := map[string]int64{"in": st.Completeness("in"), "mid": st.Completeness("mid"), "out": st.Completeness("out")}
	if err := eng.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st = testkit.OpenStoreAt(t, dir)
	t.Cleanup(func() { st.Close() })
	for name, c := range before {
		if got := st.Completeness(name); got != c {
			t.Fatalf("after reopening, %s completeness %d, want %d", name, got, c)
		}
	}
	eng = openEngine(t, st, completenessConfig)
	t.Cleanup(func() { eng.Close(context.Background()) })
	if sum := mustRun(t, eng, "out"); sum.Read != 0 || string(sum.Offset) != "0" {
		t.Fatalf("after reopening, out read %d (offset %s); e2 is still held back", sum.Read, sum.Offset)
	}
	receive(t, eng, "in", `{"_id": "e3"}`)
	mustRun(t, eng, "mid")
	if sum := mustRun(t, eng, "out"); sum.Read != 1 || string(sum.Offset) != "1" {
		t.Fatalf("out read %d (offset %s); want e2 now, and e3 held back", sum.Read, sum.Offset)
	}
	if got := ids(t, st, "out", store.ReadOptions{}); !slices.Equal(got, []string{"e1", "e2"}) {
		t.Fatalf("out holds %v", got)
	}
}

// TestCompletenessOfListedDatasets: completeness as a list takes the
// smallest timestamp of the datasets it names.
func TestCompletenessOfListedDatasets(t *testing.T) {
	eng, st := setup(t, `[
	  {"_id": "out", "type": "pipe", "source": {"type": "dataset", "dataset": "src", "completeness": ["a", "b"]}}]`)
	write(t, st, "src", `{"_id": "x"}`)
	ts := latestTS(t, st, "src")
	mustSet(t, st, "a", ts+1000)
	if sum := mustRun(t, eng, "out"); sum.Read != 0 {
		t.Fatalf("read %d while b has no completeness", sum.Read)
	}
	mustSet(t, st, "b", ts-1)
	if sum := mustRun(t, eng, "out"); sum.Read != 0 {
		t.Fatalf("read %d although b's completeness is before x", sum.Read)
	}
	mustSet(t, st, "b", ts)
	if sum := mustRun(t, eng, "out"); sum.Read != 1 {
		t.Fatalf("read %d; x is not after the smallest completeness", sum.Read)
	}
}

// TestExcludeIncludeCompleteness: the sink dataset inherits the smallest
// completeness of the source's dataset and those the DTL hops into, less
// exclude_completeness, or of include_completeness only; with everything
// excluded, the run's start.
func TestExcludeIncludeCompleteness(t *testing.T) {
	pipe := func(id, extra string) string {
		return `{"_id": "` + id + `", "type": "pipe", ` + extra + `
		  "source": {"type": "dataset", "dataset": "a"},
		  "transform": {"type": "dtl", "rules": {"default": [["copy", "*"],
		    ["add", "b", ["hops", {"datasets": ["b bb"], "where": [["eq", "_S._id", "bb._id"]]}]]]}}}`
	}
	eng, st := setup(t, `[`+strings.Join([]string{
		pipe("both", ""),
		pipe("exclude", `"exclude_completeness": ["b"],`),
		pipe("include", `"include_completeness": ["b"],`),
		pipe("overlap", `"include_completeness": ["b"], "exclude_completeness": ["b"],`),
		pipe("none", `"exclude_completeness": ["a", "b"],`),
	}, ",")+`]`)
	write(t, st, "a", `{"_id": "x"}`)
	write(t, st, "b", `{"_id": "x"}`)
	mustSet(t, st, "a", 200)
	mustSet(t, st, "b", 100)
	start := time.Now().UnixMicro()
	for _, id := range []string{"both", "exclude", "include", "overlap", "none"} {
		mustRun(t, eng, id)
	}
	want := map[string]int64{"both": 100, "exclude": 200, "include": 100}
	for id, w := range want {
		if got := st.Completeness(id); got != w {
			t.Errorf("%s: completeness %d, want %d", id, got, w)
		}
	}
	for _, id := range []string{"overlap", "none"} {
		if got := st.Completeness(id); got < start {
			t.Errorf("%s: completeness %d, want a new timestamp (≥ %d)", id, got, start)
		}
	}
}

// TestInitialCompleteness: nothing passes until every listed dataset has a
// completeness timestamp, whatever its value.
func TestInitialCompleteness(t *testing.T) {
	eng, st := setup(t, `[
	  {"_id": "out", "type": "pipe", "source": {"type": "dataset", "dataset": "src", "initial_completeness": ["a", "b"]}}]`)
	write(t, st, "src", `{"_id": "x"}`, `{"_id": "y"}`)
	mustSet(t, st, "a", 1)
	if sum := mustRun(t, eng, "out"); sum.Read != 0 || string(sum.Offset) != "null" {
		t.Fatalf("read %d (offset %s) before b has completeness", sum.Read, sum.Offset)
	}
	mustSet(t, st, "b", 1) // long before x and y: any value will do
	if sum := mustRun(t, eng, "out"); sum.Read != 2 {
		t.Fatalf("read %d, want 2", sum.Read)
	}
}

// TestCompletenessConfigErrors: a wrong completeness value names its place.
func TestCompletenessConfigErrors(t *testing.T) {
	for _, bad := range []string{`"completeness": "yes"`, `"completeness": [1]`, `"initial_completeness": true`, `"completeness": {"expr": 1}`, `"completeness": {"expression": ["nope"]}`} {
		dir := testkit.ConfigDir(t, map[string]string{"p.json": `[{"_id": "p", "type": "pipe", "source": {"type": "dataset", "dataset": "d", ` + bad + `}}]`})
		_, err := pipes.Load(dir, pipes.Options{Types: testRegistry(t)})
		if err == nil || !strings.Contains(err.Error(), "p.json:1:") {
			t.Errorf("%s: got %v, want a positioned error", bad, err)
		}
	}
}

func mustSet(t *testing.T, st *store.Store, name string, ts int64) {
	t.Helper()
	if err := st.SetCompleteness(name, ts, nil); err != nil {
		t.Fatal(err)
	}
}

func latestTS(t *testing.T, st *store.Store, ds string) int64 {
	t.Helper()
	var ts int64
	err := st.Scan(ds, store.ReadOptions{}, func(_ uint64, e []byte) error {
		var v struct {
			TS int64 `json:"_ts"`
		}
		if err := json.Unmarshal(e, &v); err != nil {
			return err
		}
		ts = max(ts, v.TS)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// TestCompletenessDTLFunction: a dataset's own completeness, and another's
// as the run into it recorded it.
func TestCompletenessDTLFunction(t *testing.T) {
	eng, st := setup(t, `[
	  {"_id": "in", "type": "pipe", "source": {"type": "http_endpoint"}},
	  {"_id": "mid", "type": "pipe", "source": {"type": "dataset", "dataset": "in"}},
	  {"_id": "probe", "type": "pipe", "source": {"type": "dataset", "dataset": "mid"},
	   "transform": {"type": "dtl", "rules": {"default": [["copy", "_id"],
	     ["add", "own", ["completeness", "mid", "mid"]],
	     ["add", "via", ["completeness", "mid", "in"]],
	     ["add", "none", ["completeness", "in", "mid"]],
	     ["add", "missing", ["completeness", "nope", "nope"]]]}}}]`)
	receive(t, eng, "in", `{"_id": "x"}`)
	first := st.Completeness("in")
	mustRun(t, eng, "mid")
	receive(t, eng, "in", `{"_id": "y"}`) // mid has not seen this one
	mustRun(t, eng, "probe")
	var got struct{ Own, Via, None, Missing any }
	err := st.Scan("probe", store.ReadOptions{}, func(_ uint64, e []byte) error { return json.Unmarshal(e, &got) })
	if err != nil {
		t.Fatal(err)
	}
	want := "~t" + time.UnixMicro(first).UTC().Format("2006-01-02T15:04:05.999999Z")
	if got.Own != want || got.Via != want || got.None != nil || got.Missing != nil {
		t.Fatalf("got own %v via %v none %v missing %v; want %s, %s, null, null", got.Own, got.Via, got.None, got.Missing, want, want)
	}
}

// TestCompletenessExpression: {"expression": EXPR} holds back entities
// after the datetime it gives, and everything when it gives no datetime.
func TestCompletenessExpression(t *testing.T) {
	eng, st := setup(t, `[
	  {"_id": "old", "type": "pipe", "source": {"type": "dataset", "dataset": "src",
	    "completeness": {"expression": ["datetime-plus", "day", -7, ["now"]]}}},
	  {"_id": "all", "type": "pipe", "source": {"type": "dataset", "dataset": "src",
	    "completeness": {"expression": ["datetime-plus", "day", 1, ["now"]]}}},
	  {"_id": "bad", "type": "pipe", "source": {"type": "dataset", "dataset": "src",
	    "completeness": {"expression": "soon"}}},
	  {"_id": "via", "type": "pipe", "source": {"type": "dataset", "dataset": "src",
	    "completeness": {"expression": ["completeness", "gate", "gate"]}}}]`)
	write(t, st, "src", `{"_id": "x"}`)
	for id, want := range map[string]int{"old": 0, "all": 1, "bad": 0, "via": 0} {
		if sum := mustRun(t, eng, id); sum.Read != want {
			t.Errorf("%s read %d, want %d", id, sum.Read, want)
		}
	}
	mustSet(t, st, "gate", latestTS(t, st, "src"))
	if sum := mustRun(t, eng, "via"); sum.Read != 1 {
		t.Errorf("via read %d once gate's completeness covers x", sum.Read)
	}
}
