package transforms

import (
	"context"
	"errors"
	"fmt"

	"github.com/sluice-sync/sluice/dtl"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/store"
	"github.com/tidwall/gjson"
)

// storeDatasets serves hops and lookup-entity from the store: by _id
// through the store's _id index, by other properties through its join
// indexes.
type storeDatasets struct{ st *store.Store }

func (s *storeDatasets) Get(_ context.Context, dataset, id string) (*dtl.Dict, error) {
	e, ok, err := s.st.Get(dataset, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, nil
	}
	if entity.Deleted(e) {
		return nil, nil
	}
	return dtl.DecodeEntity(e)
}

func (s *storeDatasets) Join(_ context.Context, dataset string, path []string, keys []dtl.Value) ([]*dtl.Dict, error) {
	ks := make([]string, 0, len(keys))
	for _, k := range keys {
		if key, ok := entity.JoinKey(gjson.ParseBytes(dtl.EncodeJSON(k))); ok {
			ks = append(ks, key)
		}
	}
	raws, err := s.st.Join(dataset, path, ks)
	if err != nil {
		return nil, err
	}
	out := make([]*dtl.Dict, 0, len(raws))
	for _, r := range raws {
		d, err := dtl.DecodeEntity(r)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// CompletenessVia serves DTL's completeness function.
func (s *storeDatasets) CompletenessVia(via, dataset string) (int64, bool) {
	return s.st.CompletenessVia(via, dataset)
}

func (s *storeDatasets) Version(_ context.Context, dataset string, offset uint64) (*dtl.Dict, error) {
	e, ok, err := s.st.Version(dataset, offset)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !ok) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return dtl.DecodeEntity(e)
}

// Changes follows a dataset for the indexes of DTL joins on expressions:
// the latest version of every entity written at offset from or later.
// When the dataset has no newer versions it answers without a read.
func (s *storeDatasets) Changes(_ context.Context, dataset string, from uint64, fn func(*dtl.Dict) error) (uint64, error) {
	if info, ok := s.st.Dataset(dataset); !ok || info.Versions <= from {
		return from, nil
	}
	next := from
	err := s.st.Scan(dataset, store.ReadOptions{From: from}, func(offset uint64, e []byte) error {
		d, err := dtl.DecodeEntity(e)
		if err != nil {
			return fmt.Errorf("%s at offset %d: %w", dataset, offset, err)
		}
		next = offset + 1
		return fn(d)
	})
	if errors.Is(err, store.ErrNotFound) {
		return from, nil
	}
	return next, err
}
