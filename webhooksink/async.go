package webhooksink

import (
	"context"
	"errors"
	"sync"

	"github.com/sluice-sync/sluice/component"
)

// asyncCommits tracks the state commits in flight: each acknowledged
// request's commit is submitted without waiting, so the next request is
// prepared and sent while it is applied. The first failure is kept and
// fails what comes after; Flush waits for them all.
type asyncCommits struct {
	wg  sync.WaitGroup
	mu  sync.Mutex
	err error
	// dirty: the in-memory state is ahead of what was recorded (a dead
	// letter), so it is read back at the next flush.
	dirty bool
}

// stale marks the in-memory state as ahead of the store.
func (a *asyncCommits) stale() {
	a.mu.Lock()
	a.dirty = true
	a.mu.Unlock()
}

// start counts a commit and returns its completion callback.
func (a *asyncCommits) start() func(error) {
	a.wg.Add(1)
	return func(err error) {
		if err != nil {
			a.mu.Lock()
			if a.err == nil {
				a.err = err
			}
			a.mu.Unlock()
		}
		a.wg.Done()
	}
}

// failed reports the first failure so far.
func (a *asyncCommits) failed() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

// wait waits for every commit and reports the first failure, and whether
// the state went stale, clearing both.
func (a *asyncCommits) wait() (dirty bool, err error) {
	a.wg.Wait()
	a.mu.Lock()
	defer a.mu.Unlock()
	dirty, err = a.dirty || a.err != nil, a.err
	a.err, a.dirty = nil, false
	return dirty, err
}

// Flush waits until everything handed to the sink is delivered and
// recorded, and reports what the batch still in flight did.
func (s *Sink) Flush(context.Context) (component.WriteStats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flush()
}

// flush waits for the job in flight and every commit. After a failure the
// in-memory state may be ahead of the store, so it is read again.
func (s *Sink) flush() (component.WriteStats, error) {
	var stats component.WriteStats
	var err error
	if job := s.inflight; job != nil {
		s.inflight = nil
		<-job.done
		stats, err = job.stats, job.err
	}
	dirty, cerr := s.commits.wait()
	if err == nil {
		err = cerr
	}
	if err != nil || dirty {
		s.state, s.nextMsg, s.gone = nil, 0, nil
		s.deadMu.Lock()
		s.dead = nil
		s.deadMu.Unlock()
	}
	return stats, err
}

// settle waits, for a resend or a replay, until the batch in flight and
// every commit are done, leaving their outcome for the run to collect.
func (s *Sink) settle() error {
	if job := s.inflight; job != nil {
		<-job.done
		if job.err != nil {
			return job.err
		}
	}
	s.commits.wg.Wait()
	return s.commits.failed()
}

// Close is called once the engine is done with the sink (after a reload
// and at stop). It stops a batch still being sent in the background, which
// the engine's runs should have flushed already, waits for the commits in
// flight, and closes the client's idle connections, so that the sink holds
// no goroutine and no connection. Closing again does nothing more; a sink
// used after Close dials anew.
func (s *Sink) Close(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	stopped := false
	if job := s.inflight; job != nil {
		job.cancel()
		stopped = true
		select {
		case <-job.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	// Commits land in order: once the last is done, all are.
	if last := s.lastSubmit; last != nil {
		select {
		case <-last:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	_, err := s.flush() // nothing left to wait for
	if stopped && errors.Is(err, context.Canceled) {
		err = nil // the batch Close stopped
	}
	if s.client != nil {
		s.client.CloseIdleConnections()
	}
	return err
}
