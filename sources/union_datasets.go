package sources

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/tidwall/gjson"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/store"
)

// UnionDatasetsConfig is the config of the "union_datasets" source.
type UnionDatasetsConfig struct {
	DatasetsConfig
	IncludePreviousVersions bool `json:"include_previous_versions" doc:"read all versions, not only the latest of each _id"`
	PrefixIDs               bool `json:"prefix_ids" doc:"prefix each _id with its dataset and \":\" (dave of men becomes men:dave), so that entities of different datasets never share an _id"`
}

// SesamKeys lists the Sesam properties UnionDatasetsConfig accepts without
// effect.
func (*UnionDatasetsConfig) SesamKeys() []string { return []string{"supports_signalling"} }

// UnionDatasetsSpec is the "union_datasets" source.
var UnionDatasetsSpec = component.Typed(component.KindSource, "union_datasets",
	"The versions of several datasets, read like the `dataset` source: incrementally by offset, each dataset in the order of `datasets`, exhausting one before moving to the next. "+
		"Each `_id` is prefixed with its dataset's name and `:` unless `prefix_ids` is false. "+
		"The stored offset is a JSON object of the last offset read in each dataset (`{\"men\": 41, \"women\": 17}`), so a run that fails resumes where its last committed batch left every dataset, and a dataset added to `datasets` is read from its start.",
	func() *UnionDatasetsConfig {
		return &UnionDatasetsConfig{DatasetsConfig: defaultDatasetsConfig(), PrefixIDs: true}
	},
	func(c *UnionDatasetsConfig, env component.Env) (component.Source, error) {
		m, err := newMultiReader("union_datasets", &c.DatasetsConfig, env)
		if err != nil {
			return nil, err
		}
		return &unionSource{multiReader: m, cfg: c}, nil
	}).
	WithExample(`{"type": "union_datasets", "datasets": ["men", "women"], "include_previous_versions": true}`)

type unionSource struct {
	multiReader
	cfg *UnionDatasetsConfig
}

func (s *unionSource) Read(ctx context.Context, req component.ReadRequest, emit func(component.Batch) error) error {
	pos, err := s.begin(req.Since)
	if err != nil {
		return err
	}
	names := s.cfg.Datasets
	var batch []entity.Entity
	seen := 0
	for _, name := range names {
		var prefix []byte
		if s.cfg.PrefixIDs {
			prefix = appendJSONString(nil, name+":")
			prefix = prefix[1 : len(prefix)-1] // inside the _id's quotes
		}
		opts := store.ReadOptions{From: pos.from(name), History: s.cfg.IncludePreviousVersions}
		err := s.store.Scan(name, opts, func(offset uint64, e []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			out, err := withIDPrefix(e, prefix)
			if err != nil {
				return fmt.Errorf("dataset %q, offset %d: %w", name, offset, err)
			}
			pos[name] = offset
			batch = append(batch, out)
			seen++
			if len(batch) >= req.BatchSize {
				b := component.Batch{Entities: batch, Since: pos.token(names)}
				batch = nil
				return emit(b)
			}
			return nil
		})
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	if err := s.empty(seen, req.Since); err != nil {
		return err
	}
	return emit(component.Batch{Entities: batch, Since: pos.token(names)})
}

var idFirst = []byte(`{"_id":"`)

// withIDPrefix copies e with prefix (JSON-escaped text) put at the start
// of its _id.
func withIDPrefix(e, prefix []byte) (entity.Entity, error) {
	at := len(idFirst) // most entities are written _id first, and stored so
	if !bytes.HasPrefix(e, idFirst) {
		id := gjson.GetBytes(e, entity.PropID)
		if id.Type != gjson.String || id.Index <= 0 {
			return nil, errors.New("a stored version without a string _id")
		}
		at = id.Index + 1 // after the opening quote
	}
	out := make([]byte, 0, len(e)+len(prefix))
	out = append(out, e[:at]...)
	out = append(out, prefix...)
	return append(out, e[at:]...), nil
}
