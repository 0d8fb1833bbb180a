package store

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
	"github.com/tidwall/gjson"

	"github.com/sluice-sync/sluice/entity"
)

// trimBatch is how many versions one transaction of Trim removes.
const trimBatch = 1000

// Trim removes, for good, every version of a dataset with an offset below
// before: the oldest part of a log kept as a dataset (a receiver log),
// which would otherwise grow without bound. Entities whose latest version
// goes leave the dataset entirely; offsets of what stays do not change,
// and readers asking for older offsets start at Info.First. Datasets with
// join indexes cannot be trimmed. It works in transactions of trimBatch
// versions, each moving Info.First, so a crash leaves a consistent, partly
// trimmed dataset.
func (s *Store) Trim(name string, before uint64) (removed int, err error) {
	if err := s.CheckSpace(); err != nil { // deleting writes tombstones too
		return 0, err
	}
	d, err := s.lookup(name, false)
	if err != nil {
		return 0, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.meta.JoinIndexes) > 0 {
		return 0, fmt.Errorf("dataset %q: a dataset with join indexes cannot be trimmed", name)
	}
	before = min(before, d.meta.Versions)
	for d.meta.First < before {
		end := min(before, d.meta.First+trimBatch)
		n, err := s.trimRange(d, end)
		removed += n
		if err != nil {
			return removed, fmt.Errorf("dataset %q: trim: %w", name, err)
		}
	}
	return removed, nil
}

// trimRange removes the versions from d.meta.First to end in one
// transaction.
func (s *Store) trimRange(d *dataset, end uint64) (int, error) {
	meta := d.meta
	txn := s.db.NewTransaction(true)
	defer txn.Discard()
	removed := 0
	for _, sub := range []byte{subLatest, subHistory} {
		var keys, ids [][]byte
		var deleted []bool
		err := s.db.View(func(view *badger.Txn) error {
			prefix := datasetPrefix(d.num, sub)
			it := view.NewIterator(badger.IteratorOptions{PrefetchValues: sub == subLatest, Prefix: prefix})
			defer it.Close()
			for it.Seek(versionKey(d.num, sub, meta.First)); it.ValidForPrefix(prefix) && offsetOf(it.Item().Key()) < end; it.Next() {
				keys = append(keys, it.Item().KeyCopy(nil))
				if sub != subLatest {
					continue
				}
				err := it.Item().Value(func(v []byte) error {
					if len(v) == 0 {
						return errors.New("empty version")
					}
					id := gjson.GetBytes(v[1:], entity.PropID)
					if id.Type != gjson.String {
						return errors.New("a stored version without an _id")
					}
					ids = append(ids, indexKey(d.num, id.Str))
					deleted = append(deleted, v[0]&flagDeleted != 0)
					return nil
				})
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
		for i, k := range keys {
			if err := txn.Delete(k); err != nil {
				return 0, err
			}
			removed++
			if sub != subLatest {
				continue
			}
			// A latest version is its _id's only one left: the _id goes.
			if err := txn.Delete(ids[i]); err != nil {
				return 0, err
			}
			meta.Entities--
			if deleted[i] {
				meta.Deleted--
			}
		}
	}
	meta.First = end
	meta.Updated = nowMicro()
	if err := putMeta(txn, d.num, meta); err != nil {
		return 0, err
	}
	if err := txn.Commit(); err != nil {
		return 0, err
	}
	d.meta = meta
	return removed, nil
}
