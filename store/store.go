package store

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/ristretto/v2/z"
)

// ErrLocked reports a data folder that another process holds open.
var ErrLocked = errors.New("the data folder is in use by another sluice process (is `sluice run` running?)")

// ErrNotFound reports a dataset or entity that does not exist.
var ErrNotFound = errors.New("not found")

// Options configure Open.
type Options struct {
	// InMemory keeps everything in memory (tests); Dir is then ignored.
	InMemory bool
	// SyncWrites fsyncs after every commit. Without it a killed process
	// still loses nothing (Badger's log is in the OS page cache) and the
	// engine calls Sync wherever it acknowledges a write to someone else; a
	// power loss can then roll back the last commits, batch and pipe offset
	// together, so pipes re-read what they lose.
	SyncWrites bool
	Logger     *slog.Logger
	// MinFree is the free space (bytes) kept in reserve on the data folder's
	// disk: below it, Open and every write fail with a *DiskFullError.
	// Zero (or less) keeps no reserve; the command line's default is
	// DefaultMinFree.
	MinFree int64
	// FreeSpace, when set, replaces the statfs reading of the free space
	// (tests).
	FreeSpace func(dir string) (uint64, error)
}

// Store is an open data folder.
type Store struct {
	db  *badger.DB
	log *slog.Logger

	dir       string // "" when in memory
	minFree   uint64
	freeSpace func(string) (uint64, error)

	mu       sync.Mutex
	datasets map[string]*dataset
}

// Open opens (creating if needed) the data folder dir.
func Open(dir string, opts Options) (*Store, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	bo := badgerOptions(dir, opts, log)
	s := &Store{log: log, datasets: map[string]*dataset{}, freeSpace: opts.FreeSpace}
	if s.freeSpace == nil {
		s.freeSpace = freeSpace
	}
	if opts.MinFree > 0 {
		s.minFree = uint64(opts.MinFree)
	}
	if opts.InMemory {
		bo.Dir, bo.ValueDir = "", ""
	} else {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create data folder: %w", err)
		}
		s.dir = dir
		// Opening writes too (a new memtable log, and a flush of a full one
		// left by a crash): on a full disk it would die the same way.
		if err := s.CheckSpace(); err != nil {
			return nil, err
		}
	}
	db, err := badger.Open(bo)
	// Badger flattens the error to text on its way up, so it is matched by
	// its message.
	if err != nil && strings.Contains(err.Error(), z.NewFile.Error()) {
		// A kill just after Badger created a log file and before it sized
		// it leaves an empty file that the next open stumbles on; that open
		// sizes the file, and opening again works. Nothing was in it.
		log.Warn("the data folder holds an empty log file left by a crash; opening again", "error", err)
		db, err = badger.Open(bo)
	}
	if err != nil {
		if strings.Contains(err.Error(), "Cannot acquire directory lock") {
			return nil, fmt.Errorf("%s: %w", dir, ErrLocked)
		}
		return nil, fmt.Errorf("open data folder %s: %w", dir, err)
	}
	s.db = db
	if err := s.loadCatalog(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Close flushes and closes the data folder.
func (s *Store) Close() error { return s.db.Close() }

// Tx is a write transaction that callers extend with their own state, so it
// commits atomically with a batch of entities.
type Tx struct {
	s   *Store
	txn *badger.Txn
	// after runs once the transaction committed (true) or failed: the
	// datasets written with Tx.Write take their new meta, or are released.
	after []func(committed bool)
	// datasets are those written with Tx.Write.
	datasets []*dataset
}

// finish runs the after hooks, last first.
func (t *Tx) finish(committed bool) {
	for i := len(t.after) - 1; i >= 0; i-- {
		t.after[i](committed)
	}
	t.after = nil
}

// Update runs fn in a write transaction of its own.
func (s *Store) Update(fn func(*Tx) error) error {
	if err := s.CheckSpace(); err != nil {
		return err
	}
	txn := s.db.NewTransaction(true)
	defer txn.Discard()
	tx := &Tx{s: s, txn: txn}
	if err := fn(tx); err != nil {
		tx.finish(false)
		return err
	}
	err := txn.Commit()
	tx.finish(err == nil)
	return err
}

// badgerLogger sends Badger's warnings and errors to slog and drops its
// chatty informational lines.
type badgerLogger struct{ log *slog.Logger }

func (l badgerLogger) Errorf(f string, a ...any) {
	l.log.Error("badger: " + strings.TrimSpace(fmt.Sprintf(f, a...)))
}
func (l badgerLogger) Warningf(f string, a ...any) {
	l.log.Warn("badger: " + strings.TrimSpace(fmt.Sprintf(f, a...)))
}
func (badgerLogger) Infof(string, ...any)  {}
func (badgerLogger) Debugf(string, ...any) {}

// Sync makes every committed write durable on disk; the engine calls it
// wherever it acknowledges writes to someone outside (the end of a run, an
// import, a received webhook).
func (s *Store) Sync() error { return s.db.Sync() }
