package sinks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
	"github.com/tidwall/gjson"
)

// When a dataset sink marks its dataset populated (set_initial_offset).
const (
	InitialOffsetIfSourcePopulated = "if-source-populated"
	InitialOffsetNever             = "never"
	InitialOffsetAlways            = "always"
	InitialOffsetInitially         = "initially"
	InitialOffsetOnload            = "onload"
)

// DatasetConfig is the config of the "dataset" sink.
type DatasetConfig struct {
	// Dataset defaults to the pipe's _id.
	Dataset string `json:"dataset" type:"string, no /, not system:…" default:"the pipe's _id" doc:"the dataset to write"`
	// DeletionTracking deletes, after a full run, what the run did not see.
	DeletionTracking bool   `json:"deletion_tracking" doc:"after a full run, entities the run did not see are deleted"`
	SetInitialOffset string `json:"set_initial_offset" enum:"if-source-populated,never,always,initially,onload" doc:"when the dataset counts as populated"`
}

// PipeDefaults makes the pipe's _id the default dataset.
func (c *DatasetConfig) PipeDefaults(pipeID string) {
	if c.Dataset == "" {
		c.Dataset = pipeID
	}
}

// Validate checks the dataset name and set_initial_offset.
func (c *DatasetConfig) Validate() error {
	var errs []error
	if err := store.CheckName(c.Dataset); err != nil && c.Dataset != "" {
		errs = append(errs, &pipes.FieldError{Field: "dataset", Err: err})
	}
	if strings.HasPrefix(c.Dataset, "system:") {
		errs = append(errs, &pipes.FieldError{Field: "dataset", Err: fmt.Errorf("dataset %q: a sink cannot write to a system: dataset", c.Dataset)})
	}
	return errors.Join(errs...)
}

// DatasetSpec is the "dataset" sink.
var DatasetSpec = component.Typed(component.KindSink, "dataset",
	"Writes entities as new versions of a dataset (the pipe's own by default), atomically with the pipe's offset. A dataset keeps a new version only when an entity's `_id` is new, its `_deleted` changed, or its content hash changed. An entity with `\"_filtered\": true` (from a DTL `filter`) deletes the entity's latest version, or is dropped when the dataset does not hold it.",
	func() *DatasetConfig {
		return &DatasetConfig{DeletionTracking: true, SetInitialOffset: InitialOffsetIfSourcePopulated}
	},
	func(c *DatasetConfig, env component.Env) (component.Sink, error) {
		if env.Store == nil {
			return nil, errors.New("the dataset sink needs a store")
		}
		c.PipeDefaults(env.PipeID)
		return &datasetSink{cfg: c, store: env.Store}, nil
	}).
	WithExample(`{"type": "dataset", "dataset": "customers", "deletion_tracking": false}`)

type datasetSink struct {
	cfg   *DatasetConfig
	store *store.Store
}

// Dataset names the dataset written.
func (s *datasetSink) Dataset() string { return s.cfg.Dataset }

func (s *datasetSink) Write(ctx context.Context, es []entity.Entity) (component.WriteStats, error) {
	return s.WriteWith(ctx, es, component.Progress{})
}

func (s *datasetSink) WriteWith(_ context.Context, es []entity.Entity, p component.Progress) (component.WriteStats, error) {
	es, dropped, err := s.applyFiltered(es)
	if err != nil {
		return component.WriteStats{}, err
	}
	res, err := s.store.Write(s.cfg.Dataset, es, store.WriteOptions{FullRun: p.FullRun, Commit: p.Commit, Atomic: p.Atomic})
	return component.WriteStats{Written: res.Written, Unchanged: res.Unchanged + dropped, Deleted: res.Deleted}, err
}

// applyFiltered turns entities a DTL filter marked "_filtered": true into
// deletions of their latest version, so what no longer passes a filter is
// deleted even on incremental runs. A filtered entity the dataset does not
// hold (or holds deleted) is dropped.
func (s *datasetSink) applyFiltered(es []entity.Entity) ([]entity.Entity, int, error) {
	var out []entity.Entity
	var inBatch map[string]entity.Entity // latest earlier entity of this batch by _id, once needed
	dropped := 0
	for i, e := range es {
		if !bytes.Contains(e, []byte(`"_filtered"`)) || !gjson.GetBytes(e, "_filtered").Bool() {
			if out != nil {
				out = append(out, e)
				if inBatch != nil {
					if id, err := entity.ID(e); err == nil {
						inBatch[id] = e
					}
				}
			}
			continue
		}
		if out == nil {
			out = append(make([]entity.Entity, 0, len(es)), es[:i]...)
			inBatch = make(map[string]entity.Entity, i)
			for _, prev := range es[:i] {
				if id, err := entity.ID(prev); err == nil {
					inBatch[id] = prev
				}
			}
		}
		id, err := entity.ID(e)
		if err != nil {
			return nil, 0, err
		}
		// What the dataset will hold for id just before this entity: an
		// earlier entity of the batch, or else the stored latest version.
		old, ok := inBatch[id]
		if !ok {
			old, ok, err = s.store.Get(s.cfg.Dataset, id)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, 0, err
			}
		}
		if !ok || entity.Deleted(old) {
			dropped++
			continue
		}
		deletion := entity.WithDeleted(old)
		inBatch[id] = deletion
		out = append(out, deletion)
	}
	if out == nil {
		return es, 0, nil
	}
	return out, dropped, nil
}

func (s *datasetSink) BeginFullRun(context.Context) (uint64, error) {
	if !s.cfg.DeletionTracking {
		return 0, nil
	}
	return s.store.BeginFullRun(s.cfg.Dataset)
}

func (s *datasetSink) EndFullRun(_ context.Context, fullRun uint64, commit func(*store.Tx) error) (int, error) {
	return s.store.DeleteUnseen(s.cfg.Dataset, fullRun, commit)
}

func (s *datasetSink) PipeLoaded(context.Context) error {
	if s.cfg.SetInitialOffset == InitialOffsetOnload {
		return s.store.SetPopulated(s.cfg.Dataset)
	}
	return nil
}

func (s *datasetSink) RunStarted(context.Context) error {
	if s.cfg.SetInitialOffset == InitialOffsetInitially {
		return s.store.SetPopulated(s.cfg.Dataset)
	}
	return nil
}

func (s *datasetSink) RunCompleted(_ context.Context, sourcePopulated bool) error {
	switch s.cfg.SetInitialOffset {
	case InitialOffsetAlways:
	case InitialOffsetIfSourcePopulated:
		if !sourcePopulated {
			return nil
		}
	default:
		return nil
	}
	if info, ok := s.store.Dataset(s.cfg.Dataset); ok && info.Populated {
		return nil
	}
	return s.store.SetPopulated(s.cfg.Dataset)
}

// SesamKeys lists the Sesam properties DatasetConfig accepts without effect.
func (*DatasetConfig) SesamKeys() []string {
	return []string{"indexes", "track_children", "enable_optimistic_locking", "circuit_breaker_threshold_factor", "circuit_breaker_threshold_count", "mark_deletion_tracked", "bitset_commit_interval", "prevent_multiple_versions", "suppress_filtered", "max_entity_bytes_size"}
}
