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
		// Badger writes through memory-mapped files sized ahead (a full
		// disk turns into SIGBUS), and each memtable is a Go allocation of
		// 1.3 times its size: small memtables, few of them, short value-log
		// files and two compactors keep both what the free-space reserve
		// must cover and the process's memory small. Under 128 concurrent
		// receiver clients they write as fast as 128 MiB memtables did,
		// with half the anonymous memory. They also set the largest
		// transaction: about 20,000 small entities.
		WithMemTableSize(32 << 20).
		WithNumMemtables(2).
		WithValueLogFileSize(128 << 20).
		WithBlockCacheSize(32 << 20).
		WithNumCompactors(2)
}
