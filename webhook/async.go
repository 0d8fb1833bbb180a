package webhook

import (
	"context"
	"sync"
)

// asyncCommits tracks the state commits in flight: each acknowledged
// request's commit is submitted without waiting, so the next request is
// prepared and sent while it is applied. The first failure is kept and
// fails what comes after; Flush waits for them all.
type asyncCommits struct {
	wg  sync.WaitGroup
	mu  sync.Mutex
	err error
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

// cancel uncounts a commit that was never submitted.
func (a *asyncCommits) cancel() { a.wg.Done() }

// failed reports the first failure so far.
func (a *asyncCommits) failed() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

// wait waits for every commit and reports the first failure, clearing it.
func (a *asyncCommits) wait() error {
	a.wg.Wait()
	a.mu.Lock()
	defer a.mu.Unlock()
	err := a.err
	a.err = nil
	return err
}

// Flush waits until everything delivered is recorded. After a failed
// commit the in-memory state may be ahead of the store, so it is read
// again.
func (s *Sink) Flush(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flush()
}

func (s *Sink) flush() error {
	if err := s.commits.wait(); err != nil {
		s.state, s.nextMsg, s.dead = nil, 0, nil
		return err
	}
	return nil
}
