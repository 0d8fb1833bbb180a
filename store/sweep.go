package store

import (
	"github.com/dgraph-io/badger/v4"

	"github.com/sluice-sync/sluice/entity"
)

// sweepBatch is how many deletions DeleteUnseen writes per transaction.
const sweepBatch = 1000

// DeleteUnseen ends a full run: every _id whose latest version is not
// deleted and that no write stamped with fullRun saw gets a new, deleted
// version (its last content with "_deleted": true). It returns how many
// were deleted. final runs in the transaction of the last batch (or in a
// transaction of its own when nothing is deleted), so a pipe can record the
// end of its full run atomically with the sweep.
func (s *Store) DeleteUnseen(name string, fullRun uint64, final func(*Tx) error) (int, error) {
	d, err := s.lookup(name, true)
	if err != nil {
		return 0, err
	}
	deleted := 0
	var from []byte // where the next pass starts in the index, so each pass is short
	for {
		batch, next, err := s.unseen(d, fullRun, from)
		if err != nil {
			return deleted, err
		}
		last := next == nil
		opts := WriteOptions{FullRun: fullRun}
		if last {
			opts.Commit = final
		}
		if len(batch) > 0 || last {
			res, err := s.Write(name, batch, opts)
			deleted += res.Deleted
			if err != nil {
				return deleted, err
			}
		}
		if last {
			return deleted, nil
		}
		from = next
	}
}

// unseen collects up to sweepBatch deletions, starting at the index key from
// (nil: the start); next is the first key not looked at, or nil at the end.
func (s *Store) unseen(d *dataset, fullRun uint64, from []byte) (batch []entity.Entity, next []byte, err error) {
	prefix := datasetPrefix(d.num, subIndex)
	err = s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 256, Prefix: prefix})
		defer it.Close()
		start := prefix
		if from != nil {
			start = from
		}
		it.Seek(start)
		for ; it.ValidForPrefix(prefix); it.Next() {
			if len(batch) == sweepBatch {
				next = it.Item().KeyCopy(nil)
				return nil
			}
			var ie indexEntry
			if err := it.Item().Value(func(b []byte) error { ie, err = decodeIndexEntry(b); return err }); err != nil {
				return err
			}
			if ie.deleted() || ie.seenGen == fullRun {
				continue
			}
			item, err := txn.Get(versionKey(d.num, subLatest, ie.offset))
			if err != nil {
				return err
			}
			v, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			batch = append(batch, entity.WithDeleted(v[1:]))
		}
		return nil
	})
	return batch, next, err
}

// EachUnseen passes, page by page, the latest versions (as deletions) of
// the _ids that no write stamped with fullRun saw and that are not deleted:
// what DeleteUnseen would delete, for a sink that must act on each before
// it records the deletion. fn may write to the dataset.
func (s *Store) EachUnseen(name string, fullRun uint64, fn func(page []entity.Entity) error) error {
	d, err := s.lookup(name, true)
	if err != nil {
		return err
	}
	var from []byte
	for {
		page, next, err := s.unseen(d, fullRun, from)
		if err != nil {
			return err
		}
		if len(page) > 0 {
			if err := fn(page); err != nil {
				return err
			}
		}
		if next == nil {
			return nil
		}
		from = next
	}
}
