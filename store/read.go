package store

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// ReadOptions select versions for Scan.
type ReadOptions struct {
	// From is the first offset to include. A reader that has seen everything
	// up to "since" asks for From = since+1.
	From uint64
	// Limit stops after that many versions; 0 means no limit.
	Limit int
	// History includes versions that later ones replaced.
	History bool
	// SkipDeleted leaves out deleted versions.
	SkipDeleted bool
}

// Stop, returned by a Scan callback, ends the scan without an error.
var Stop = errors.New("stop scan")

// Scan calls fn for the dataset's versions in offset order. The bytes passed
// to fn are only valid during the call; copy them to keep them. Memory use
// does not grow with the dataset: versions stream from one snapshot.
func (s *Store) Scan(name string, opts ReadOptions, fn func(offset uint64, e []byte) error) error {
	d, err := s.lookup(name, false)
	if err != nil {
		return err
	}
	err = s.db.View(func(txn *badger.Txn) error {
		latest := newRangeIter(txn, d.num, subLatest, opts.From)
		defer latest.close()
		var history *rangeIter
		if opts.History {
			history = newRangeIter(txn, d.num, subHistory, opts.From)
			defer history.close()
		}
		n := 0
		for {
			it := latest
			if history != nil && history.valid() && (!latest.valid() || history.offset() < latest.offset()) {
				it = history
			}
			if !it.valid() {
				return nil
			}
			offset := it.offset()
			err := it.it.Item().Value(func(v []byte) error {
				if len(v) == 0 {
					return fmt.Errorf("version %d: empty value", offset)
				}
				if opts.SkipDeleted && v[0]&flagDeleted != 0 {
					return nil
				}
				n++
				return fn(offset, v[1:])
			})
			if err != nil {
				return err
			}
			if opts.Limit > 0 && n >= opts.Limit {
				return nil
			}
			it.it.Next()
		}
	})
	if errors.Is(err, Stop) {
		return nil
	}
	return err
}

// rangeIter walks the L or H range of one dataset from an offset.
type rangeIter struct {
	it     *badger.Iterator
	prefix []byte
}

func newRangeIter(txn *badger.Txn, num uint32, sub byte, from uint64) *rangeIter {
	prefix := datasetPrefix(num, sub)
	it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 256, Prefix: prefix})
	it.Seek(versionKey(num, sub, from))
	return &rangeIter{it: it, prefix: prefix}
}

func (r *rangeIter) valid() bool    { return r.it.ValidForPrefix(r.prefix) }
func (r *rangeIter) offset() uint64 { return offsetOf(r.it.Item().Key()) }
func (r *rangeIter) close()         { r.it.Close() }

// Get returns the latest version of one entity, deleted or not; ok is false
// when the dataset has no entity with that _id.
func (s *Store) Get(name, id string) (e []byte, ok bool, err error) {
	d, err := s.lookup(name, false)
	if err != nil {
		return nil, false, err
	}
	err = s.db.View(func(txn *badger.Txn) error {
		v, found, err := latestVersion(txn, d.num, id)
		if found {
			e, ok = v[1:], true
		}
		return err
	})
	return e, ok, err
}

// latestVersion reads the stored value (flag byte, then JSON) of the
// latest version of id inside txn; the bytes are a copy.
func latestVersion(txn *badger.Txn, num uint32, id string) ([]byte, bool, error) {
	item, err := txn.Get(indexKey(num, id))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	var ie indexEntry
	if err := item.Value(func(b []byte) error { ie, err = decodeIndexEntry(b); return err }); err != nil {
		return nil, false, err
	}
	item, err = txn.Get(versionKey(num, subLatest, ie.offset))
	if err != nil {
		return nil, false, fmt.Errorf("entity %q: latest version %d: %w", id, ie.offset, err)
	}
	v, err := item.ValueCopy(nil)
	if err != nil || len(v) == 0 {
		return nil, false, err
	}
	return v, true, nil
}

// Version returns the version at offset, whether it is still the latest
// or has been replaced; ok is false when there is none.
func (s *Store) Version(name string, offset uint64) (e []byte, ok bool, err error) {
	d, err := s.lookup(name, false)
	if err != nil {
		return nil, false, err
	}
	err = s.db.View(func(txn *badger.Txn) error {
		for _, sub := range []byte{subLatest, subHistory} {
			item, err := txn.Get(versionKey(d.num, sub, offset))
			if errors.Is(err, badger.ErrKeyNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			v, err := item.ValueCopy(nil)
			if err != nil || len(v) == 0 {
				return err
			}
			e, ok = v[1:], true
			return nil
		}
		return nil
	})
	return e, ok, err
}

// GetMany reads the latest versions of several entities in one snapshot,
// calling fn for each id the dataset holds (deleted or not), in the order
// given. A dataset that does not exist holds nothing.
func (s *Store) GetMany(name string, ids []string, fn func(i int, e []byte) error) error {
	d, err := s.lookup(name, false)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.db.View(func(txn *badger.Txn) error {
		for i, id := range ids {
			v, found, err := latestVersion(txn, d.num, id)
			if err != nil {
				return err
			}
			if found {
				if err := fn(i, v[1:]); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
