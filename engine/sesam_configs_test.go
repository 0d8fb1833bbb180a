package engine_test

import (
	"context"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/internal/testkit"
)

// Embedded entities may leave their _id to a DTL transform, as in Sesam's
// getting-started config; one that reaches the sink without an _id fails
// the run and writes nothing.
func TestEmbeddedEntitiesWithoutID(t *testing.T) {
	st := testkit.OpenStore(t)
	eng := engineFor(t, st, map[string]string{"p.json": `[
	  {"_id": "orders", "type": "pipe",
	   "source": {"type": "embedded", "entities": [{"id": 56870, "qty": 1}, {"id": 56871, "qty": 4}]},
	   "transform": {"type": "dtl", "rules": {"default": [["copy", "*"], ["add", "_id", ["string", "_S.id"]]]}}},
	  {"_id": "no-ids", "type": "pipe", "source": {"type": "embedded", "entities": [{"_id": "a"}, {"id": 1}]}}]`})
	runPipe(t, eng, "orders", engine.RunOptions{})
	expectEntities(t, st, "orders", `[{"_id": "56870", "id": 56870, "qty": 1}, {"_id": "56871", "id": 56871, "qty": 4}]`)

	_, err := eng.Run(context.Background(), "no-ids", engine.RunOptions{})
	if err == nil || !strings.Contains(err.Error(), "entity has no _id") {
		t.Fatalf("run of a pipe whose entity has no _id: err = %v", err)
	}
	if got := latest(t, st, "no-ids"); len(got) != 0 {
		t.Fatalf("a failed batch wrote %v", got)
	}
}

// A chained transform is its transforms, in order.
func TestChainedTransform(t *testing.T) {
	st := testkit.OpenStore(t)
	eng := engineFor(t, st, map[string]string{"p.json": `{"_id": "p", "type": "pipe",
	   "source": {"type": "embedded", "entities": [{"_id": "a", "n": 1}]},
	   "transform": {"type": "chained", "transforms": [
	     {"type": "dtl", "rules": {"default": [["copy", "*"], ["add", "n", ["+", "_S.n", 1]]]}},
	     {"type": "dtl", "rules": {"default": [["copy", "*"], ["add", "n", ["*", "_S.n", 10]]]}}]}}`})
	runPipe(t, eng, "p", engine.RunOptions{})
	expectEntities(t, st, "p", `[{"_id": "a", "n": 20}]`)
}
