package sinks

import (
	"context"
	"testing"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/store"
)

func TestFilteredEntitiesDelete(t *testing.T) {
	st, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sink := &datasetSink{cfg: &DatasetConfig{Dataset: "d", DeletionTracking: true}, store: st}
	write := func(docs ...string) component.WriteStats {
		t.Helper()
		es := make([]entity.Entity, len(docs))
		for i, d := range docs {
			es[i] = entity.Entity(d)
		}
		stats, err := sink.WriteWith(context.Background(), es, component.Progress{})
		if err != nil {
			t.Fatal(err)
		}
		return stats
	}
	state := func(id string) string {
		t.Helper()
		e, ok, err := st.Get("d", id)
		switch {
		case err != nil:
			t.Fatal(err)
		case !ok:
			return "absent"
		case entity.Deleted(e):
			return "deleted"
		}
		return "live"
	}

	write(`{"_id":"a","v":1}`)
	// a is stored: filtering it deletes it. b is unknown: dropped. c is
	// written earlier in the same batch, then filtered: deleted too.
	stats := write(`{"_id":"a","_filtered":true}`, `{"_id":"b","_filtered":true}`,
		`{"_id":"c","v":1}`, `{"_id":"c","v":1,"_filtered":true}`, `{"_id":"d","v":2}`)
	for id, want := range map[string]string{"a": "deleted", "b": "absent", "c": "deleted", "d": "live"} {
		if got := state(id); got != want {
			t.Errorf("%s is %s, want %s", id, got, want)
		}
	}
	if stats.Deleted != 2 || stats.Unchanged != 1 {
		t.Errorf("stats %+v: want 2 deleted (a, c) and b counted unchanged", stats)
	}
	// Filtering what is already deleted changes nothing.
	if stats := write(`{"_id":"a","_filtered":true}`); stats.Written != 0 {
		t.Errorf("re-filtering a wrote %+v", stats)
	}
}
