package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/dgraph-io/badger/v4"

	"github.com/sluice-sync/sluice/entity"
)

// Join indexes serve DTL hops: for a property path of a dataset, they map
// each value found there (entity.JoinKey) to the _ids of the latest,
// non-deleted versions holding it. Keys:
//
//	d<D>J<n><uvarint len(key)><key><_id>   (empty value)
//
// where n is the index's position in Info.JoinIndexes. Every Write keeps
// them current in the same transaction as the versions themselves.

// maxJoinIndexes bounds the indexes of one dataset (n is one byte).
const maxJoinIndexes = 255

func joinPrefix(ds uint32, n int) []byte {
	return append(datasetPrefix(ds, subJoin), byte(n))
}

func joinKeyPrefix(ds uint32, n int, key string) []byte {
	k := joinPrefix(ds, n)
	k = binary.AppendUvarint(k, uint64(len(key)))
	return append(k, key...)
}

// joinKeys calls op with every index key of entity e (the JSON of a
// version) under each of the dataset's join indexes.
func (w *writer) joinKeys(e []byte, id string, op func([]byte) error) error {
	var err error
	for n, path := range w.meta.JoinIndexes {
		entity.JoinKeys(e, path, func(key string) {
			if err == nil {
				err = op(w.keep(append(joinKeyPrefix(w.d.num, n, key), id...)))
			}
		})
	}
	return err
}

func indexNumber(m Info, path []string) int {
	for n, p := range m.JoinIndexes {
		if slices.Equal(p, path) {
			return n
		}
	}
	return -1
}

// EnsureJoinIndex makes sure dataset name has a join index on path,
// building it from the latest versions if it is new. It creates the
// dataset if needed, so pipes can declare their hops before data arrives.
func (s *Store) EnsureJoinIndex(name string, path []string) error {
	if len(path) == 0 {
		return errors.New("a join index needs a property path")
	}
	if err := s.CheckSpace(); err != nil {
		return err
	}
	d, err := s.lookup(name, true)
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if indexNumber(d.meta, path) >= 0 {
		return nil
	}
	if len(d.meta.JoinIndexes) >= maxJoinIndexes {
		return fmt.Errorf("dataset %q: too many join indexes", name)
	}
	// The index joins the meta only in the last commit: should a large
	// build commit in parts and crash half-way, the index is not recorded
	// and the next EnsureJoinIndex starts over.
	w := &writer{s: s, d: d, meta: d.meta, now: nowMicro()}
	n := len(d.meta.JoinIndexes)
	w.txn = s.db.NewTransaction(true)
	defer func() { w.txn.Discard() }()
	// A crash during an earlier build can leave keys of index n behind.
	if err := s.clearPrefix(joinPrefix(d.num, n)); err != nil {
		return err
	}
	err = s.db.View(func(txn *badger.Txn) error {
		prefix := datasetPrefix(d.num, subLatest)
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 256, Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			err := it.Item().Value(func(v []byte) error {
				if len(v) == 0 || v[0]&flagDeleted != 0 {
					return nil
				}
				id, err := entity.ID(v[1:])
				if err != nil {
					return err
				}
				if w.nearlyFull() {
					if err := w.splitTxn(); err != nil {
						return err
					}
				}
				var opErr error
				entity.JoinKeys(v[1:], path, func(key string) {
					if opErr == nil {
						opErr = w.set(w.keep(append(joinKeyPrefix(d.num, n, key), id...)), nil)
					}
				})
				return opErr
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("dataset %q: building join index on %v: %w", name, path, err)
	}
	w.meta.JoinIndexes = append(slices.Clone(d.meta.JoinIndexes), slices.Clone(path))
	return w.commit()
}

// clearPrefix deletes every key under prefix.
func (s *Store) clearPrefix(prefix []byte) error {
	var keys [][]byte
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			keys = append(keys, it.Item().KeyCopy(nil))
		}
		return nil
	})
	if err != nil || len(keys) == 0 {
		return err
	}
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	for _, k := range keys {
		if err := wb.Delete(k); err != nil {
			return err
		}
	}
	return wb.Flush()
}

// Join returns the latest, non-deleted versions in dataset name whose
// value at path has one of keys (entity.JoinKey form), ordered by _id.
// The join index on path must exist (EnsureJoinIndex).
func (s *Store) Join(name string, path []string, keys []string) ([][]byte, error) {
	d, err := s.lookup(name, false)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	n := indexNumber(d.meta, path)
	d.mu.Unlock()
	if n < 0 {
		return nil, fmt.Errorf("dataset %q has no join index on %v", name, path)
	}
	var out [][]byte
	err = s.db.View(func(txn *badger.Txn) error {
		var ids []string
		for _, key := range keys {
			prefix := joinKeyPrefix(d.num, n, key)
			it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
			for it.Rewind(); it.Valid(); it.Next() {
				ids = append(ids, string(it.Item().Key()[len(prefix):]))
			}
			it.Close()
		}
		sort.Strings(ids)
		ids = slices.Compact(ids)
		for _, id := range ids {
			v, ok, err := latestVersion(txn, d.num, id)
			if err != nil {
				return err
			}
			if ok && v[0]&flagDeleted == 0 {
				out = append(out, v[1:])
			}
		}
		return nil
	})
	return out, err
}
