package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/entity"
)

const pullConfig = `[
 {"_id": "src", "type": "pipe", "source": {"type": "embedded", "entities": [{"_id": "a"}, {"_id": "b"}, {"_id": "c"}]}, "batch_size": 2,
  "transform": [{"type": "block"}, {"type": "tag", "key": "seen", "value": "yes"}],
  "sink": {"type": "csv_endpoint", "columns": ["_id"]}}
]`

// TestPull: a pipe with a pulled sink is read through its transforms by
// Pull and not by a run; a second Pull waits for the first, and Close
// waits for a Pull under way.
func TestPull(t *testing.T) {
	eng, _ := setup(t, pullConfig)
	if sum, err := eng.Run(context.Background(), "src", engine.RunOptions{}); err != nil || sum.Read != 0 {
		t.Fatalf("a run: %+v %v", sum, err)
	}
	var got []string
	first := make(chan error, 1)
	go func() {
		first <- eng.Pull(context.Background(), "src", "", func(es []entity.Entity) error {
			for _, e := range es {
				got = append(got, string(e))
			}
			return nil
		})
	}()
	<-blockEntered // the first Pull is in its first batch

	// A second Pull waits, until its context gives up.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := eng.Pull(ctx, "src", "", func([]entity.Entity) error { return nil }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a second Pull: %v", err)
	}
	// Close waits for the Pull under way.
	closed := make(chan error, 1)
	go func() { closed <- eng.Close(context.Background()) }()
	select {
	case err := <-closed:
		t.Fatalf("Close returned during a Pull: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	blockRelease <- struct{}{}
	<-blockEntered
	blockRelease <- struct{}{}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || !strings.Contains(got[2], `"seen":"yes"`) {
		t.Fatalf("pulled %q", got)
	}
	if err := eng.Pull(context.Background(), "src", "", nil); !errors.Is(err, engine.ErrClosed) {
		t.Fatalf("Pull after Close: %v", err)
	}
}
