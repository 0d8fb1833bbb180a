package webhook

import (
	"context"
	"encoding/json"

	"github.com/tidwall/gjson"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/store"
)

// PipeLoaded does nothing: the sink has nothing to prepare.
func (s *Sink) PipeLoaded(context.Context) error { return nil }

// RunStarted starts a run's row numbers and deletion counts, and notes
// what each endpoint holds, for max_delete_ratio.
func (s *Sink) RunStarted(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.run = runCounters{deletes: map[string]int64{}}
	for _, l := range s.lanes {
		l.held = 0
		if info, ok := s.st.Dataset(l.state); ok {
			l.held = info.Entities - info.Deleted
		}
	}
	return nil
}

// RunCompleted does nothing: progress is committed with each batch.
func (s *Sink) RunCompleted(context.Context, bool) error { return nil }

// BeginFullRun starts tracking, in mirror mode, which entities a full run
// sees, so that those it does not see are deleted at the endpoint too.
func (s *Sink) BeginFullRun(context.Context) (uint64, error) {
	if s.cfg.SyncMode != ModeMirror || len(s.lanes) == 0 {
		return 0, nil
	}
	gens := fullRunGens{Lanes: map[string]uint64{}}
	for i, l := range s.lanes {
		n, err := s.st.BeginFullRun(l.state)
		if err != nil {
			return 0, err
		}
		gens.Lanes[l.name] = n
		if i == 0 {
			gens.Run = n
		}
	}
	b, _ := json.Marshal(gens)
	if err := s.st.Update(func(tx *store.Tx) error { return tx.PutValue(s.fullRunKey(), b) }); err != nil {
		return 0, err
	}
	return gens.Run, nil
}

// EndFullRun sends a delete for every entity the endpoint holds that the
// full run did not see, after checking max_delete_ratio against them all.
func (s *Sink) EndFullRun(ctx context.Context, fullRun uint64, commit func(*store.Tx) error) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.ready(); err != nil {
		return 0, err
	}
	gens, err := s.laneGens(fullRun)
	if err != nil {
		return 0, err
	}
	var stats component.WriteStats
	for _, l := range s.lanes {
		gen := gens[l.name]
		unseen := int64(0)
		if err := s.st.EachUnseen(l.state, gen, func(page []entity.Entity) error { unseen += int64(len(page)); return nil }); err != nil {
			return stats.Deleted, err
		}
		if err := s.checkDeleteCount(l, unseen); err != nil {
			return stats.Deleted, err
		}
		err := s.st.EachUnseen(l.state, gen, func(page []entity.Entity) error {
			p := &plan{}
			for _, e := range page {
				id, err := entity.ID(e)
				if err != nil {
					return err
				}
				p.send = append(p.send, &record{id: id, prev: gjson.GetBytes(e, "hash").String(), hash: "deleted", op: "delete", entity: e})
			}
			return s.deliverPlan(ctx, laneWrite{lane: l, fullRun: gen}, p, &stats)
		})
		if err != nil {
			return stats.Deleted, err
		}
	}
	return stats.Deleted, s.st.Update(commit)
}
