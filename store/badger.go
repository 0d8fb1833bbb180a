package store

import (
	"log/slog"

	"github.com/dgraph-io/badger/v4"
)

// valueThreshold is the value size from which Badger keeps a value in the
// value log instead of the LSM tree.
const valueThreshold = 256

// badgerOptions are the Badger settings of a data folder.
func badgerOptions(dir string, opts Options, log *slog.Logger) badger.Options {
	return badger.DefaultOptions(dir).
		WithLogger(badgerLogger{log}).
		WithSyncWrites(opts.SyncWrites).
		WithInMemory(opts.InMemory).
		WithDetectConflicts(false). // writers are serialised per dataset
		// Entity bodies (usually over 256 bytes) live in the value log, so
		// the LSM tree holds only keys and pointers: index lookups touch
		// fewer tables and compactions stop rewriting entity bodies.
		WithValueThreshold(valueThreshold).
		WithMemTableSize(memTableSize).
		WithNumMemtables(3).
		WithValueLogFileSize(128 << 20).
		WithBlockCacheSize(32 << 20).
		WithNumCompactors(2)
}

const memTableSize = 64 << 20
