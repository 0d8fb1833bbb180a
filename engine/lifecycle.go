package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/sluice-sync/sluice/component"
)

// ErrClosed reports work asked of an engine that was closed, e.g. a pushed
// batch that reached the old engine as a reload replaced it.
var ErrClosed = errors.New("the engine was closed (the config was reloaded or sluice is stopping)")

// lifecycle counts the work under way in an engine (runs, pushed batches)
// so Close can wait for it before closing the components it uses.
type lifecycle struct {
	mu     sync.Mutex
	active int
	closed bool
	idle   chan struct{} // closed once closed and nothing is active
}

// Hold keeps the engine from closing its components until release is
// called, for work on a component outside a run, such as resending a
// webhook delivery. It fails with ErrClosed once the engine is closed.
func (e *Engine) Hold() (release func(), err error) { return e.begin() }

// begin registers work; the caller calls done when it ends.
func (e *Engine) begin() (done func(), err error) {
	l := &e.life
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, ErrClosed
	}
	l.active++
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.active--; l.active == 0 && l.closed {
			close(l.idle)
		}
	}, nil
}

// Close refuses new work, waits (until ctx is done) for the work under way
// to end, and then closes every component and system that holds resources
// (component.Closer): connection pools, goroutines, files. A second Close
// does nothing. Stop a service's scheduler before closing its engine, so
// no run is waiting to start.
func (e *Engine) Close(ctx context.Context) error {
	l := &e.life
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.idle = make(chan struct{})
	if l.active == 0 {
		close(l.idle)
	}
	l.mu.Unlock()
	select {
	case <-l.idle:
	case <-ctx.Done():
		return fmt.Errorf("close the engine: work still under way: %w", ctx.Err())
	}
	return closeAll(ctx, e.components())
}

// components lists what the engine built, pipes (sorted by id, each source,
// transforms, sink) before the systems they use.
func (e *Engine) components() []any {
	var out []any
	ids := make([]string, 0, len(e.pipes))
	for id := range e.pipes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		p := e.pipes[id]
		out = append(out, p.Source)
		for _, t := range p.Transforms {
			out = append(out, t)
		}
		out = append(out, p.Sink)
	}
	sys := make([]string, 0, len(e.systems))
	for id := range e.systems {
		sys = append(sys, id)
	}
	sort.Strings(sys)
	for _, id := range sys {
		out = append(out, e.systems[id])
	}
	return out
}

// closeAll closes each component that is a Closer, and reports every
// failure.
func closeAll(ctx context.Context, cs []any) error {
	var errs []error
	for _, c := range cs {
		if cl, ok := c.(component.Closer); ok {
			if err := cl.Close(ctx); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
