package testkit

import (
	"log/slog"
	"testing"

	"github.com/sluice-sync/sluice/store"
)

// OpenStore opens a store in a new temporary folder, with its log
// discarded, and closes it when the test ends.
func OpenStore(t testing.TB) *store.Store {
	t.Helper()
	st := OpenStoreAt(t, t.TempDir())
	t.Cleanup(func() { st.Close() })
	return st
}

// OpenStoreAt opens the data folder dir, with its log discarded; the
// caller closes it (a test that reopens the folder, or runs the binary on
// it, chooses when).
func OpenStoreAt(t testing.TB, dir string) *store.Store {
	t.Helper()
	st, err := store.Open(dir, store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	return st
}
