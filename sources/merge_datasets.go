package sources

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/tidwall/gjson"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/store"
)

// MergeDatasetsConfig is the config of the "merge_datasets" source.
type MergeDatasetsConfig struct {
	DatasetsConfig
	Strategy string `json:"strategy" enum:"latest,all" doc:"latest: each entity as the dataset holding its newest version (by _ts) has it; all: one entity holding the latest version from every dataset that has it, each under its dataset's name"`
}

// SesamKeys lists the Sesam properties MergeDatasetsConfig accepts without
// effect.
func (*MergeDatasetsConfig) SesamKeys() []string { return []string{"supports_signalling"} }

// MergeDatasetsSpec is the "merge_datasets" source.
var MergeDatasetsSpec = component.Typed(component.KindSource, "merge_datasets",
	"The latest versions of several datasets, merged by `_id` (which is not changed) and read in the order of their `_ts`, incrementally by offset as the `dataset` source reads one dataset. "+
		"An entity is passed on once its newest change across the datasets is read: with the `latest` strategy as the dataset that has that newest version holds it (a deletion there is a deletion), "+
		"with `all` as `{\"_id\": ..., \"<dataset>\": <its latest version>, ...}` for every dataset where it is not deleted (deleted when it is deleted or absent everywhere). "+
		"The stored offset is a JSON object of the last offset read in each dataset, as for `union_datasets`.",
	func() *MergeDatasetsConfig {
		return &MergeDatasetsConfig{DatasetsConfig: defaultDatasetsConfig(), Strategy: "latest"}
	},
	func(c *MergeDatasetsConfig, env component.Env) (component.Source, error) {
		m, err := newMultiReader("merge_datasets", &c.DatasetsConfig, env)
		if err != nil {
			return nil, err
		}
		return &mergeSource{multiReader: m, merge: mergeFunc(c.Strategy)}, nil
	}).
	WithExample(`{"type": "merge_datasets", "datasets": ["crm-customers-all", "crm-customers-event"], "strategy": "latest"}`)

type mergeSource struct {
	multiReader
	// merge makes what is passed on for the entity of v, whose latest
	// version in each dataset (nil where absent) is in versions.
	merge func(names []string, v version, versions [][]byte) entity.Entity
}

// version is one version read from dataset number ds.
type version struct {
	ds     int
	offset uint64
	ts     int64
	e      []byte
}

func (s *mergeSource) Read(ctx context.Context, req component.ReadRequest, emit func(component.Batch) error) error {
	pos, err := s.begin(req.Since)
	if err != nil {
		return err
	}
	names := s.cfg.Datasets
	heads := make([]*versionPuller, len(names))
	for i, name := range names {
		heads[i] = pullVersions(s.store, i, name, store.ReadOptions{From: pos.from(name)})
		defer heads[i].stop()
	}
	var batch []entity.Entity
	seen := 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		v, ok, err := nextInTSOrder(heads)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		pos[names[v.ds]] = v.offset
		seen++
		out, err := s.resolve(names, v, pos)
		if err != nil {
			return err
		}
		if out != nil {
			batch = append(batch, out)
		}
		if len(batch) >= req.BatchSize {
			b := component.Batch{Entities: batch, Since: pos.token(names)}
			batch = nil
			if err := emit(b); err != nil {
				return err
			}
		}
	}
	if err := s.empty(seen, req.Since); err != nil {
		return err
	}
	return emit(component.Batch{Entities: batch, Since: pos.token(names)})
}

// resolve gives what v stands for: nil when another dataset holds a
// version of the same entity that this reader has not reached yet (the
// entity is passed on when that one is read), else the merged entity.
func (s *mergeSource) resolve(names []string, v version, pos offsets) (entity.Entity, error) {
	id, err := entity.ID(v.e)
	if err != nil {
		return nil, fmt.Errorf("dataset %q, offset %d: %w", names[v.ds], v.offset, err)
	}
	versions := make([][]byte, len(names))
	versions[v.ds] = v.e
	for i, name := range names {
		if i == v.ds {
			continue
		}
		e, ok, err := s.store.Get(name, id)
		if errors.Is(err, store.ErrNotFound) || err == nil && !ok {
			continue
		}
		if err != nil {
			return nil, err
		}
		if off, read := pos[name]; !read || gjson.GetBytes(e, entity.PropUpdated).Uint() > off {
			return nil, nil
		}
		versions[i] = e
	}
	return s.merge(names, v, versions), nil
}

func mergeFunc(strategy string) func([]string, version, [][]byte) entity.Entity {
	if strategy == "all" {
		return mergeAll
	}
	return mergeLatest
}

// mergeLatest passes on the newest version by _ts; on a tie, the one of
// the dataset listed first.
func mergeLatest(_ []string, v version, versions [][]byte) entity.Entity {
	best, bestTS := v.e, v.ts
	for i, e := range versions {
		if e == nil || i == v.ds {
			continue
		}
		if ts := gjson.GetBytes(e, entity.PropTS).Int(); ts > bestTS || ts == bestTS && i < v.ds {
			best, bestTS = e, ts
		}
	}
	return best
}

// mergeAll passes on {"_id": id, "<dataset>": version, ...} for the
// datasets where the entity is not deleted, in the order of datasets; a
// deletion when there are none.
func mergeAll(names []string, v version, versions [][]byte) entity.Entity {
	id := gjson.GetBytes(v.e, entity.PropID).Raw
	out := append(make([]byte, 0, 64+len(v.e)), `{"_id":`...)
	out = append(out, id...)
	live := 0
	for i, e := range versions {
		if e == nil || entity.Deleted(e) {
			continue
		}
		live++
		out = append(out, ',')
		out = appendJSONString(out, names[i])
		out = append(out, ':')
		out = append(out, e...)
	}
	if live == 0 {
		out = append(out, `,"_deleted":true`...)
	}
	return append(out, '}')
}

// nextInTSOrder takes the version with the smallest _ts among the heads
// (on a tie, the dataset listed first).
func nextInTSOrder(heads []*versionPuller) (version, bool, error) {
	var first *versionPuller
	for _, h := range heads {
		if err := h.fill(); err != nil {
			return version{}, false, err
		}
		if h.ok && (first == nil || h.head.ts < first.head.ts) {
			first = h
		}
	}
	if first == nil {
		return version{}, false, nil
	}
	first.ok = false
	return first.head, true, nil
}

// versionPuller reads one dataset's versions one at a time, so that
// several datasets can be read side by side in one order.
type versionPuller struct {
	ds   int
	next func() (uint64, []byte, bool)
	stop func()
	err  *error
	head version
	ok   bool // head holds a version not yet taken
	done bool
}

func pullVersions(st *store.Store, ds int, name string, opts store.ReadOptions) *versionPuller {
	var err error
	seq := func(yield func(uint64, []byte) bool) {
		err = st.Scan(name, opts, func(offset uint64, e []byte) error {
			if !yield(offset, bytes.Clone(e)) {
				return store.Stop
			}
			return nil
		})
		if errors.Is(err, store.ErrNotFound) {
			err = nil // a dataset that does not exist holds nothing
		}
	}
	next, stop := iter.Pull2(iter.Seq2[uint64, []byte](seq))
	return &versionPuller{ds: ds, next: next, stop: stop, err: &err}
}

// fill reads the next version into head when head has been taken.
func (p *versionPuller) fill() error {
	if p.ok || p.done {
		return nil
	}
	offset, e, ok := p.next()
	if !ok {
		p.done = true
		return *p.err
	}
	p.head = version{ds: p.ds, offset: offset, ts: gjson.GetBytes(e, entity.PropTS).Int(), e: e}
	p.ok = true
	return nil
}
