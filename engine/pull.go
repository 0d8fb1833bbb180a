package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/entity"
)

// pullWait is how often Pull looks whether the pipe is free.
const pullWait = 20 * time.Millisecond

// Pull reads a pipe for a client of its publisher (a component.PulledSink,
// whose runs do nothing): the source from since (when it supports since)
// through the transforms, passing each batch to fn; nothing is written
// and no offset moves. It holds the engine, so a reload does not close
// the components under it, and waits for another Pull of the pipe, since
// a source and its transforms serve one reader at a time.
func (e *Engine) Pull(ctx context.Context, id, since string, fn func([]entity.Entity) error) error {
	p, err := e.Pipe(id)
	if err != nil {
		return err
	}
	release, err := e.Hold()
	if err != nil {
		return err
	}
	defer release()
	for !p.running.TryLock() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pullWait):
		}
	}
	defer p.running.Unlock()
	if !p.Source.SupportsSince() {
		since = ""
	}
	return p.Source.Read(ctx, component.ReadRequest{Since: since, BatchSize: p.batchSize()}, func(b component.Batch) error {
		es := b.Entities
		for i, t := range p.Transforms {
			if es, err = t.Transform(ctx, es); err != nil {
				return fmt.Errorf("transform %d (%s): %w", i, p.TransformNames[i], err)
			}
		}
		return fn(es)
	})
}
