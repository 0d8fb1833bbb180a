package store

import (
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/sluice-sync/sluice/entity"
)

// WriteOptions tune one Write.
type WriteOptions struct {
	// FullRun, when non-zero, stamps every entity of the batch (changed or
	// not) as seen by that full run; see BeginFullRun and DeleteUnseen.
	FullRun uint64
	// Commit, when set, runs inside the same transaction as the writes, so a
	// pipe's new offset commits together with its batch.
	Commit func(*Tx) error
}

// WriteResult counts what a Write did.
type WriteResult struct {
	Written   int // new versions appended
	Unchanged int // entities identical to their latest version (no-ops)
	Deleted   int // new versions that are deletions
}

// Write appends a new version for each entity whose _id is new, whose
// _deleted changed, or whose content hash changed; other entities are
// no-ops. Every entity must be a JSON object with a string _id (use
// entity.Check on untrusted input first). All writes and opts.Commit commit
// in one transaction; should the batch outgrow what Badger takes in one
// transaction, earlier parts commit first and opts.Commit runs in the last.
func (s *Store) Write(name string, entities []entity.Entity, opts WriteOptions) (WriteResult, error) {
	d, err := s.lookup(name, true)
	if err != nil {
		return WriteResult{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	w := &writer{s: s, d: d, meta: d.meta, fullRun: opts.FullRun, now: nowMicro()}
	w.txn = s.db.NewTransaction(true)
	defer func() { w.txn.Discard() }()
	for _, e := range entities {
		if err := w.put(e); err != nil {
			return w.res, fmt.Errorf("dataset %q: %w", name, err)
		}
	}
	if opts.Commit != nil {
		if err := opts.Commit(&Tx{txn: w.txn}); err != nil {
			return w.res, err
		}
	}
	if err := w.commit(); err != nil {
		return w.res, fmt.Errorf("dataset %q: commit: %w", name, err)
	}
	return w.res, nil
}

type writer struct {
	s        *Store
	d        *dataset
	txn      *badger.Txn
	meta     Info // working copy; becomes d.meta on commit
	fullRun  uint64
	now      int64
	res      WriteResult
	buf      []byte
	slab     []byte
	analyzer entity.Analyzer
}

func (w *writer) put(e entity.Entity) error {
	facts, err := w.analyzer.Analyze(e)
	if err != nil {
		return err
	}
	id, hash, deleted := facts.ID, facts.Hash, facts.Deleted
	ikey := w.keep(indexKey(w.d.num, id))
	prev, exists, err := w.index(ikey)
	if err != nil {
		return fmt.Errorf("entity %q: %w", id, err)
	}
	if exists && prev.hash == hash && prev.deleted() == deleted {
		w.res.Unchanged++
		if w.fullRun == 0 || prev.seenGen == w.fullRun {
			return nil
		}
		prev.seenGen = w.fullRun
		return w.set(ikey, prev.encode())
	}

	offset := w.meta.Versions
	v := entity.Version{Offset: offset, Previous: -1, Hash: hash, TS: w.now, Deleted: deleted}
	if exists {
		v.Previous = int64(prev.offset)
		old, err := w.retire(prev.offset)
		if err != nil {
			return fmt.Errorf("entity %q: %w", id, err)
		}
		if !prev.deleted() && len(w.meta.JoinIndexes) > 0 {
			if err := w.joinKeys(old[1:], id, w.del); err != nil {
				return err
			}
		}
	}

	var flags byte
	if deleted {
		flags = flagDeleted
	}
	w.buf = append(w.buf[:0], flags)
	w.buf = w.analyzer.AppendStored(w.buf, v)
	// Keys come from the stored form, as the build and later removals do,
	// so an index on _updated or _ts stays right too.
	if !deleted && len(w.meta.JoinIndexes) > 0 {
		if err := w.joinKeys(w.buf[1:], id, func(k []byte) error { return w.set(k, nil) }); err != nil {
			return err
		}
	}
	if err := w.set(w.keep(versionKey(w.d.num, subLatest, offset)), w.keep(w.buf)); err != nil {
		return err
	}
	seen := w.fullRun
	if seen == 0 && exists {
		seen = prev.seenGen
	}
	next := indexEntry{offset: offset, hash: hash, flags: flags, seenGen: seen}
	if err := w.set(ikey, next.encode()); err != nil {
		return err
	}

	w.meta.Versions++
	w.res.Written++
	if !exists {
		w.meta.Entities++
	}
	if exists && prev.deleted() {
		w.meta.Deleted--
	}
	if deleted {
		w.meta.Deleted++
		w.res.Deleted++
	}
	return nil
}

// keep copies b into the batch's slab: Badger holds on to keys and values
// until the transaction commits, and one slab is far cheaper than an
// allocation for each. Slabs start small and double, so a write of a few
// entities (a receiver request) does not allocate and zero a big one.
func (w *writer) keep(b []byte) []byte {
	if len(w.slab)+len(b) > cap(w.slab) {
		next := min(slabSize, max(firstSlabSize, 2*cap(w.slab)))
		w.slab = make([]byte, 0, max(next, len(b)))
	}
	start := len(w.slab)
	w.slab = append(w.slab, b...)
	return w.slab[start:len(w.slab):len(w.slab)]
}

// Slab sizes: the first, and the most any grows to.
const (
	firstSlabSize = 16 << 10
	slabSize      = 256 << 10
)

// index reads the index entry of an _id.
func (w *writer) index(key []byte) (indexEntry, bool, error) {
	item, err := w.txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return indexEntry{}, false, nil
	}
	if err != nil {
		return indexEntry{}, false, err
	}
	var e indexEntry
	err = item.Value(func(b []byte) error {
		var err error
		e, err = decodeIndexEntry(b)
		return err
	})
	return e, err == nil, err
}

// retire moves a replaced version from the latest range to history and
// returns its stored value (flag byte, then JSON).
func (w *writer) retire(offset uint64) ([]byte, error) {
	lkey := versionKey(w.d.num, subLatest, offset)
	item, err := w.txn.Get(lkey)
	if err != nil {
		return nil, fmt.Errorf("latest version %d: %w", offset, err)
	}
	val, err := item.ValueCopy(nil)
	if err != nil {
		return nil, err
	}
	if err := w.set(versionKey(w.d.num, subHistory, offset), val); err != nil {
		return nil, err
	}
	return val, w.del(lkey)
}

// set writes a key, committing the transaction so far and starting a new one
// if Badger finds it too big.
func (w *writer) set(k, v []byte) error {
	err := w.txn.Set(k, v)
	if errors.Is(err, badger.ErrTxnTooBig) {
		if err := w.splitTxn(); err != nil {
			return err
		}
		err = w.txn.Set(k, v)
	}
	return err
}

func (w *writer) del(k []byte) error {
	err := w.txn.Delete(k)
	if errors.Is(err, badger.ErrTxnTooBig) {
		if err := w.splitTxn(); err != nil {
			return err
		}
		err = w.txn.Delete(k)
	}
	return err
}

func (w *writer) splitTxn() error {
	if err := w.commit(); err != nil {
		return err
	}
	w.txn = w.s.db.NewTransaction(true)
	return nil
}

// commit writes the meta and commits; only then does the in-memory meta change.
func (w *writer) commit() error {
	w.meta.Updated = w.now
	if err := putMeta(w.txn, w.d.num, w.meta); err != nil {
		return err
	}
	if err := w.txn.Commit(); err != nil {
		return err
	}
	w.d.meta = w.meta
	return nil
}

func nowMicro() int64 { return time.Now().UnixMicro() }
