package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/store"
)

// ErrNotPushed is returned when entities are pushed to a pipe whose source
// is not pushed to (an http_endpoint source).
var ErrNotPushed = errors.New("the pipe's source does not receive pushed entities (it is not an http_endpoint source)")

// ReceiveOptions tune one Receive.
type ReceiveOptions struct {
	// FullRun, when non-zero, stamps the entities as seen by a full sync
	// begun with BeginFullSync, so EndFullSync can delete what it missed.
	FullRun uint64
	// Commit, when set, records the caller's own state (a message id it
	// must not accept twice) in the transaction that writes the entities,
	// or, for a sink outside the store, right after they were delivered.
	Commit func(*store.Tx) error
	// Completeness, when set, is the sink dataset's new completeness
	// timestamp (microseconds); else it is the time the request arrived.
	Completeness int64
}

// Receive runs pushed entities through the pipe's transforms into its
// sink, and returns only once the write is durable. A sink in the store
// writes the whole batch in one transaction or nothing (store.ErrTooBig).
// It is safe to call concurrently with itself; it does not wait for, or
// block, scheduled runs of the pipe, which read nothing for a pushed source.
func (e *Engine) Receive(ctx context.Context, id string, es []entity.Entity, opts ReceiveOptions) (component.WriteStats, error) {
	p, err := e.Pipe(id)
	if err != nil {
		return component.WriteStats{}, err
	}
	if _, ok := p.Source.(component.PushedSource); !ok {
		return component.WriteStats{}, fmt.Errorf("pipe %q: %w", id, ErrNotPushed)
	}
	done, err := e.begin()
	if err != nil {
		return component.WriteStats{}, fmt.Errorf("pipe %q: %w", id, err)
	}
	defer done()
	arrived := time.Now().UnixMicro()
	r := &run{e: e, p: p}
	out, err := r.transform(ctx, es)
	if err != nil {
		return component.WriteStats{}, fmt.Errorf("pipe %q: %w", id, err)
	}
	var stats component.WriteStats
	if _, ok := p.Sink.(component.Flusher); ok {
		p.delivering.Lock()
		defer p.delivering.Unlock()
	}
	if ts, ok := p.Sink.(component.TransactionalSink); ok {
		stats, err = ts.WriteWith(ctx, out, component.Progress{FullRun: opts.FullRun, Commit: opts.Commit, Atomic: true})
		if f, ok := p.Sink.(component.Flusher); ok {
			// A sink still delivering when WriteWith returns (a webhook
			// sink) is waited for: the sender is answered only once its
			// entities were delivered and recorded.
			last, ferr := f.Flush(ctx)
			err = errors.Join(err, ferr)
			stats.Written, stats.Deleted = last.Written, last.Deleted
		}
	} else {
		if err = e.store.CheckSpace(); err == nil {
			stats, err = p.Sink.Write(ctx, out)
		}
		if err == nil && opts.Commit != nil {
			err = e.store.Update(opts.Commit)
		}
	}
	if err != nil {
		return stats, fmt.Errorf("pipe %q: sink (%s): %w", id, p.Config.Sink.Type, err)
	}
	if name := p.SinkDataset(); name != "" {
		ts := opts.Completeness
		if ts == 0 {
			ts = arrived
		}
		// The entities are written: a completeness that cannot be kept (a
		// full disk) leaves the older one, which holds back more, not less,
		// and must not turn an accepted request into a refused one.
		_ = e.store.SetCompleteness(name, ts, nil)
	}
	if err := e.store.Sync(); err != nil {
		return stats, fmt.Errorf("pipe %q: sync: %w", id, err)
	}
	return stats, nil
}

// BeginFullSync starts a pushed full sync (Sesam's is_full sequences):
// what the sequence does not send is deleted by EndFullSync.
func (e *Engine) BeginFullSync(ctx context.Context, id string) (uint64, error) {
	p, err := e.Pipe(id)
	if err != nil {
		return 0, err
	}
	dt, ok := p.Sink.(component.DeletionTracker)
	if !ok {
		return 0, nil
	}
	done, err := e.begin()
	if err != nil {
		return 0, fmt.Errorf("pipe %q: %w", id, err)
	}
	defer done()
	return dt.BeginFullRun(ctx)
}

// EndFullSync deletes what the full sync fullRun did not send.
func (e *Engine) EndFullSync(ctx context.Context, id string, fullRun uint64) (deleted int, err error) {
	if fullRun == 0 {
		return 0, nil
	}
	p, err := e.Pipe(id)
	if err != nil {
		return 0, err
	}
	dt, ok := p.Sink.(component.DeletionTracker)
	if !ok {
		return 0, nil
	}
	done, err := e.begin()
	if err != nil {
		return 0, fmt.Errorf("pipe %q: %w", id, err)
	}
	defer done()
	n, err := dt.EndFullRun(ctx, fullRun, func(*store.Tx) error { return nil })
	if err != nil {
		return n, err
	}
	return n, e.store.Sync()
}

// Store is the store the engine writes to.
func (e *Engine) Store() *store.Store { return e.store }
