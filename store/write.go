package store

import (
	"encoding/json"
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
	// Atomic refuses, with a *TooBigError and nothing written, a batch that
	// does not fit in one Badger transaction, instead of committing it in
	// parts (a receiver answers its sender all or nothing).
	Atomic bool
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
// transaction, earlier parts commit first (each a whole number of entities)
// and opts.Commit runs in the last, unless opts.Atomic refuses the batch.
func (s *Store) Write(name string, entities []entity.Entity, opts WriteOptions) (WriteResult, error) {
	return s.write(name, entities, opts, nil)
}

// WriteAsync is Write that does not wait for the final commit: done is
// called, from another goroutine, once it is applied (nil) or has failed.
// Later transactions start after it is applied (Badger's order), so a
// writer can prepare its next batch while this one commits. The dataset's
// meta is updated at once; should the commit fail, it is read back.
func (s *Store) WriteAsync(name string, entities []entity.Entity, opts WriteOptions, done func(error)) (WriteResult, error) {
	return s.write(name, entities, opts, done)
}

func (s *Store) write(name string, entities []entity.Entity, opts WriteOptions, done func(error)) (WriteResult, error) {
	if err := s.CheckSpace(); err != nil {
		return WriteResult{}, err
	}
	d, err := s.lookup(name, true)
	if err != nil {
		return WriteResult{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	w := &writer{s: s, d: d, meta: d.meta, fullRun: opts.FullRun, now: nowMicro(), atomic: opts.Atomic}
	w.txn = s.db.NewTransaction(true)
	defer func() { w.txn.Discard() }()
	for i, e := range entities {
		if !w.atomic && w.nearlyFull() {
			if err := w.splitTxn(); err != nil {
				return w.res, fmt.Errorf("dataset %q: %w", name, err)
			}
		}
		if err := w.put(e); err != nil {
			return w.res, w.tooBig(name, i, len(entities), err)
		}
		if w.atomic && w.txnValueBytes > maxTxnValueBytes {
			return w.res, w.tooBig(name, i, len(entities), badger.ErrTxnTooBig)
		}
	}
	tx := &Tx{s: s, txn: w.txn}
	if opts.Commit != nil {
		if err := opts.Commit(tx); err != nil {
			tx.finish(false)
			return w.res, w.tooBig(name, len(entities), len(entities), err)
		}
	}
	if done != nil {
		written := append([]*dataset{d}, tx.datasets...)
		err := w.commitAsync(func(err error) {
			if err != nil {
				s.reloadMeta(written)
				err = fmt.Errorf("dataset %q: commit: %w", name, err)
			}
			done(err)
		})
		tx.finish(err == nil)
		return w.res, err
	}
	err = w.commit()
	tx.finish(err == nil)
	if err != nil {
		return w.res, w.tooBig(name, len(entities), len(entities), fmt.Errorf("commit: %w", err))
	}
	return w.res, nil
}

// reloadMeta reads datasets' meta back from Badger, after an asynchronous
// commit that had already updated it in memory failed.
func (s *Store) reloadMeta(ds []*dataset) {
	for _, d := range ds {
		d.mu.Lock()
		_ = s.db.View(func(txn *badger.Txn) error {
			item, err := txn.Get(metaKey(d.num))
			if err != nil {
				return err
			}
			return item.Value(func(b []byte) error { return json.Unmarshal(b, &d.meta) })
		})
		d.mu.Unlock()
	}
}

// Write appends entities to another dataset inside this transaction, so
// that writes to several datasets commit together (as Store.Write does for
// one). The dataset stays locked until the transaction ends. The batch
// must fit in what is left of one Badger transaction.
func (t *Tx) Write(name string, entities []entity.Entity) (WriteResult, error) {
	d, err := t.s.lookup(name, true)
	if err != nil {
		return WriteResult{}, err
	}
	d.mu.Lock()
	t.datasets = append(t.datasets, d)
	w := &writer{s: t.s, d: d, txn: t.txn, meta: d.meta, now: nowMicro(), nested: true}
	t.after = append(t.after, func(committed bool) {
		if committed {
			d.meta = w.meta
		}
		d.mu.Unlock()
	})
	for _, e := range entities {
		if err := w.put(e); err != nil {
			return w.res, fmt.Errorf("dataset %q: %w", name, err)
		}
	}
	w.meta.Updated = w.now
	return w.res, putMeta(t.txn, d.num, w.meta)
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
	// nested writers share a transaction they do not own (Tx.Write), so
	// they cannot split it.
	nested bool
	// atomic writers never split their transaction (WriteOptions.Atomic).
	atomic bool
	// txnCount and txnSize track the transaction's size as Badger counts
	// it, so it is split between entities, never inside one.
	txnCount, txnSize int64
	// txnValueBytes counts the values that go to the value log, which
	// Badger's size leaves out: it bounds what one transaction writes
	// after the free-space check that let it start.
	txnValueBytes int64
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

// set writes a key, counting it towards the transaction's size.
func (w *writer) set(k, v []byte) error {
	if err := w.txn.Set(k, v); err != nil {
		return err
	}
	w.count(k, v)
	return nil
}

func (w *writer) del(k []byte) error {
	if err := w.txn.Delete(k); err != nil {
		return err
	}
	w.count(k, nil)
	return nil
}

// count adds one entry to the transaction's size the way Badger's
// Txn.checkSize does: key, value (or a value pointer above the value
// threshold), two meta bytes and ten for the version.
func (w *writer) count(k, v []byte) {
	size := int64(len(k)) + 2 + 10
	if len(v) < valueThreshold {
		size += int64(len(v))
	} else {
		size += 12
	}
	w.txnCount++
	w.txnSize += size
	if len(v) >= valueThreshold {
		w.txnValueBytes += int64(len(v))
	}
}

// maxTxnValueBytes caps the value-log bytes of one transaction: the free
// space reserve must cover what a transaction writes after its check.
const maxTxnValueBytes = 64 << 20

// splitShare is how full (in percent of Badger's limits) a transaction may
// get before a write commits it and goes on in a new one. The rest is room
// for the entity being written and the caller's own state (Commit).
const splitShare = 80

// nearlyFull reports whether the transaction should be committed before
// the next entity.
func (w *writer) nearlyFull() bool {
	db := w.s.db
	return w.txnCount*100 >= db.MaxBatchCount()*splitShare || w.txnSize*100 >= db.MaxBatchSize()*splitShare ||
		w.txnValueBytes*100 >= maxTxnValueBytes*splitShare
}

func (w *writer) splitTxn() error {
	if err := w.commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	// The next part writes as much again: the disk must still have room.
	if err := w.s.CheckSpace(); err != nil {
		return err
	}
	w.txn = w.s.db.NewTransaction(true)
	w.txnCount, w.txnSize, w.txnValueBytes = 0, 0, 0
	return nil
}

// tooBig turns Badger's ErrTxnTooBig into a *TooBigError saying how many of
// the batch's entities fit; other errors are wrapped with the dataset name.
func (w *writer) tooBig(name string, done, total int, err error) error {
	if errors.Is(err, badger.ErrTxnTooBig) {
		return &TooBigError{Dataset: name, Entities: total, Fit: done}
	}
	return fmt.Errorf("dataset %q: %w", name, err)
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

// commitAsync writes the meta and submits the commit without waiting for
// it; the in-memory meta changes at once (see WriteAsync).
func (w *writer) commitAsync(done func(error)) error {
	w.meta.Updated = w.now
	if err := putMeta(w.txn, w.d.num, w.meta); err != nil {
		return err
	}
	w.d.meta = w.meta
	w.txn.CommitWith(func(err error) { go done(err) })
	return nil
}

func nowMicro() int64 { return time.Now().UnixMicro() }
