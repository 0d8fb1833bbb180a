package webhooksink

import (
	"context"
	"sort"
	"strconv"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/store"
)

// PipeLoaded does nothing: the sink has nothing to prepare.
func (s *Sink) PipeLoaded(context.Context) error { return nil }

// RunStarted starts a run's row numbers and deletion counts, notes what
// each endpoint holds (for max_delete_ratio), and compacts the state when
// it has grown.
func (s *Sink) RunStarted(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.run = runCounters{deletes: map[string]int64{}}
	if err := s.loadState(); err != nil {
		return err
	}
	for _, l := range s.lanes {
		l.held = 0
		for _, h := range s.state.lane(l.name) {
			if !h.deleted {
				l.held++
			}
		}
	}
	return s.compact()
}

// RunCompleted waits until everything the run delivered is recorded.
func (s *Sink) RunCompleted(context.Context, bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.flush()
	return err
}

// BeginFullRun starts, in mirror mode, tracking which entities a full run
// sees, so that those it does not see are deleted at the endpoint too.
func (s *Sink) BeginFullRun(context.Context) (uint64, error) {
	if s.cfg.SyncMode != ModeMirror || len(s.lanes) == 0 {
		return 0, nil
	}
	key := "webhook:" + s.pipe + ":full_runs"
	v, _, err := s.st.Value(key)
	if err != nil {
		return 0, err
	}
	n, _ := strconv.ParseUint(string(v), 10, 64)
	n++
	return n, s.st.Update(func(tx *store.Tx) error { return tx.PutValue(key, strconv.AppendUint(nil, n, 10)) })
}

// EndFullRun sends a delete for every entity an endpoint holds that the
// full run did not see, after checking max_delete_ratio against them all,
// and commits the pipe's progress with the last.
func (s *Sink) EndFullRun(ctx context.Context, fullRun uint64, commit func(*store.Tx) error) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.flush(); err != nil {
		return 0, err
	}
	if err := s.ready(); err != nil {
		return 0, err
	}
	if err := s.loadState(); err != nil {
		return 0, err
	}
	var stats component.WriteStats
	for i, l := range s.lanes {
		var gone []string
		for id, h := range s.state.lane(l.name) {
			if !h.deleted && h.seen != fullRun {
				gone = append(gone, id)
			}
		}
		sort.Strings(gone)
		if err := s.checkDeleteCount(l, int64(len(gone))); err != nil {
			return stats.Deleted, err
		}
		p := &plan{}
		state := s.state.lane(l.name)
		for _, id := range gone {
			h := state[id]
			p.send = append(p.send, &record{id: id, prev: h.hashText() + "@" + strconv.FormatInt(h.msg, 10), hash: "deleted", op: "delete",
				fields: appendJSONString([]byte(`"_id":`), id)})
		}
		w := laneWrite{lane: l, fullRun: fullRun}
		if i == len(s.lanes)-1 {
			w.commit = commit
		}
		ds, err := s.prepare(w, p)
		if err != nil {
			_, _ = s.flush()
			return stats.Deleted, err
		}
		job := &batchJob{deliveries: ds, done: make(chan struct{})}
		s.execute(ctx, job)
		stats.Deleted += job.stats.Deleted
		if job.err != nil {
			_, _ = s.flush()
			return stats.Deleted, job.err
		}
	}
	if len(s.lanes) == 0 {
		return 0, s.st.Update(commit)
	}
	_, err := s.flush()
	return stats.Deleted, err
}
