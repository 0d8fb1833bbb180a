package engine_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sluice-sync/sluice/builtin"
	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
)

// failAt makes the "flaky" test transform fail on that batch number (1-based);
// 0 means never.
var failAt atomic.Int64

type flakyConfig struct{}

type flaky struct{ batches int64 }

func (f *flaky) Transform(_ context.Context, in []entity.Entity) ([]entity.Entity, error) {
	f.batches++
	if n := failAt.Load(); n > 0 && f.batches == n {
		return nil, errors.New("injected failure")
	}
	return in, nil
}

// tagConfig adds a property to every entity, to show the chain runs in order.
type tagConfig struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type tag struct{ cfg *tagConfig }

func (t tag) Transform(_ context.Context, in []entity.Entity) ([]entity.Entity, error) {
	out := make([]entity.Entity, len(in))
	for i, e := range in {
		s := strings.TrimSuffix(string(e), "}")
		out[i] = entity.Entity(fmt.Sprintf(`%s,%q:%q}`, s, t.cfg.Key, t.cfg.Value))
	}
	return out, nil
}

func testRegistry(t *testing.T) *component.Registry {
	r := builtin.Registry()
	r.MustRegister(
		component.Typed(component.KindTransform, "flaky", "test", func() *flakyConfig { return &flakyConfig{} },
			func(*flakyConfig, component.Env) (component.Transform, error) { return &flaky{}, nil }),
		component.Typed(component.KindTransform, "block", "test", func() *blockConfig { return &blockConfig{} },
			func(*blockConfig, component.Env) (component.Transform, error) { return block{}, nil }),
		component.Typed(component.KindTransform, "tag", "test", func() *tagConfig { return &tagConfig{} },
			func(c *tagConfig, _ component.Env) (component.Transform, error) { return tag{c}, nil }),
	)
	return r
}

// setup loads a config from a JSON text and opens a store.
func setup(t *testing.T, config string) (*engine.Engine, *store.Store) {
	t.Helper()
	dir := testkit.ConfigDir(t, map[string]string{"p.json": config})
	reg := testRegistry(t)
	cfg, err := pipes.Load(dir, pipes.Options{Types: reg})
	if err != nil {
		t.Fatal(err)
	}
	st := testkit.OpenStore(t)
	eng, err := engine.New(context.Background(), cfg, st, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return eng, st
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

func ids(t *testing.T, st *store.Store, ds string, opts store.ReadOptions) []string {
	t.Helper()
	var out []string
	err := st.Scan(ds, opts, func(_ uint64, e []byte) error {
		id, err := entity.ID(e)
		if entity.Deleted(e) {
			id += "(deleted)"
		}
		out = append(out, id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestFailedBatchResumesWithoutLossOrDoubles(t *testing.T) {
	eng, st := setup(t, `{"_id": "copy", "type": "pipe", "batch_size": 3,
	  "source": {"type": "dataset", "dataset": "src"},
	  "transform": [{"type": "flaky"}, {"type": "tag", "key": "via", "value": "copy"}],
	  "sink": {"type": "dataset", "dataset": "dst"}}`)
	var docs []string
	for i := range 10 {
		docs = append(docs, fmt.Sprintf(`{"_id":"e%d","n":%d}`, i, i))
	}
	write(t, st, "src", docs...)
	write(t, st, "dst", `{"_id":"stale"}`) // not in src: a completed full run deletes it

	failAt.Store(3)
	sum, err := eng.Run(context.Background(), "copy", engine.RunOptions{})
	if err == nil || !strings.Contains(err.Error(), "injected failure") || sum.Status != engine.StatusFailed {
		t.Fatalf("first run: %+v, %v", sum, err)
	}
	// Two batches committed: offsets 0..5 and the pipe offset 5, together.
	if st, _ := st.PipeState("copy"); st.LastSeen != "5" || st.FullRun == 0 {
		t.Fatalf("state after failure = %+v", st)
	}
	if got := ids(t, st, "dst", store.ReadOptions{}); strings.Join(got, ",") != "stale,e0,e1,e2,e3,e4,e5" {
		t.Fatalf("dst after failure = %v", got)
	}

	failAt.Store(0)
	sum, err = eng.Run(context.Background(), "copy", engine.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Read != 4 || sum.Written != 4+1 || sum.Deleted != 1 || !sum.Full || string(sum.Offset) != "9" {
		t.Fatalf("resumed run = %+v", sum)
	}
	if got := ids(t, st, "dst", store.ReadOptions{History: true}); strings.Join(got, ",") != "stale,e0,e1,e2,e3,e4,e5,e6,e7,e8,e9,stale(deleted)" {
		t.Fatalf("dst history = %v", got)
	}
	if st, _ := st.PipeState("copy"); st.FullRun != 0 {
		t.Fatalf("full run still marked: %+v", st)
	}
	e, _, _ := st.Get("dst", "e7")
	if !strings.Contains(string(e), `"via":"copy"`) {
		t.Fatalf("transform chain not applied: %s", e)
	}
	// Incremental from here: nothing to read, nothing deleted.
	sum, _ = eng.Run(context.Background(), "copy", engine.RunOptions{})
	if sum.Read != 0 || sum.Full || sum.Deleted != 0 {
		t.Fatalf("incremental rerun = %+v", sum)
	}
}

func TestDeletionTrackingOnlyAfterFullRuns(t *testing.T) {
	eng, st := setup(t, `{"_id": "copy", "type": "pipe",
	  "source": {"type": "dataset", "dataset": "src"}, "sink": {"type": "dataset", "dataset": "dst"}}`)
	write(t, st, "src", `{"_id":"a"}`, `{"_id":"b"}`)
	if _, err := eng.Run(context.Background(), "copy", engine.RunOptions{}); err != nil {
		t.Fatal(err)
	}
	write(t, st, "dst", `{"_id":"extra"}`)
	// Incremental: "extra" survives.
	if sum, _ := eng.Run(context.Background(), "copy", engine.RunOptions{}); sum.Deleted != 0 || sum.Full {
		t.Fatalf("incremental run = %+v", sum)
	}
	// Full: "extra" was not seen, so it is deleted.
	sum, err := eng.Run(context.Background(), "copy", engine.RunOptions{Full: true})
	if err != nil || sum.Deleted != 1 || sum.Read != 2 || sum.Written != 1 {
		t.Fatalf("full run = %+v, %v", sum, err)
	}
	if got := ids(t, st, "dst", store.ReadOptions{SkipDeleted: true}); strings.Join(got, ",") != "a,b" {
		t.Fatalf("dst = %v", got)
	}
}

func TestPopulatedFlags(t *testing.T) {
	eng, st := setup(t, `[
	  {"_id": "up", "type": "pipe", "source": {"type": "embedded", "entities": [{"_id": "x"}]}},
	  {"_id": "down", "type": "pipe", "source": {"type": "dataset", "dataset": "up"}},
	  {"_id": "never", "type": "pipe", "source": {"type": "embedded", "entities": []}, "sink": {"type": "dataset", "set_initial_offset": "never"}},
	  {"_id": "loaded", "type": "pipe", "source": {"type": "embedded", "entities": []}, "sink": {"type": "dataset", "set_initial_offset": "onload"}}]`)
	populated := func(ds string) bool { i, _ := st.Dataset(ds); return i.Populated }
	if !populated("loaded") || populated("up") {
		t.Fatal("onload must populate at load time, and only then")
	}
	// The downstream pipe runs before upstream is populated: not populated.
	eng.Run(context.Background(), "down", engine.RunOptions{})
	if populated("down") {
		t.Fatal("down populated although its source is not")
	}
	eng.Run(context.Background(), "up", engine.RunOptions{})
	eng.Run(context.Background(), "down", engine.RunOptions{})
	eng.Run(context.Background(), "never", engine.RunOptions{})
	if !populated("up") || !populated("down") || populated("never") {
		t.Fatalf("populated: up %v down %v never %v", populated("up"), populated("down"), populated("never"))
	}
}

func TestOneRunAtATime(t *testing.T) {
	eng, st := setup(t, `{"_id": "slow", "type": "pipe",
	  "source": {"type": "dataset", "dataset": "src"}, "transform": {"type": "block"}, "sink": {"type": "null"}}`)
	write(t, st, "src", `{"_id":"a"}`)
	if _, err := eng.Run(context.Background(), "nope", engine.RunOptions{}); !errors.Is(err, engine.ErrUnknownPipe) {
		t.Fatalf("unknown pipe: %v", err)
	}
	first := make(chan error)
	go func() { _, err := eng.Run(context.Background(), "slow", engine.RunOptions{}); first <- err }()
	<-blockEntered // the first run is inside its transform
	if _, err := eng.Run(context.Background(), "slow", engine.RunOptions{}); !errors.Is(err, engine.ErrRunning) {
		t.Fatalf("second run while the first runs: %v", err)
	}
	blockRelease <- struct{}{}
	if err := <-first; err != nil {
		t.Fatalf("first run: %v", err)
	}
}

// The "block" test transform waits inside Transform until released.
var (
	blockEntered = make(chan struct{})
	blockRelease = make(chan struct{})
)

type blockConfig struct{}

type block struct{}

func (block) Transform(_ context.Context, in []entity.Entity) ([]entity.Entity, error) {
	blockEntered <- struct{}{}
	<-blockRelease
	return in, nil
}

func TestCancelledRunKeepsCommittedBatches(t *testing.T) {
	eng, st := setup(t, `{"_id": "copy", "type": "pipe", "batch_size": 2,
	  "source": {"type": "dataset", "dataset": "src"}, "sink": {"type": "dataset", "dataset": "dst"}}`)
	write(t, st, "src", `{"_id":"a"}`, `{"_id":"b"}`, `{"_id":"c"}`)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := eng.Run(ctx, "copy", engine.RunOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v", err)
	}
	sum, err := eng.Run(context.Background(), "copy", engine.RunOptions{})
	if err != nil || sum.Read != 3 || sum.Written != 3 {
		t.Fatalf("run after cancel = %+v, %v", sum, err)
	}
}
