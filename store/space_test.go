package store

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
)

// fakeDisk reports a free space the test sets.
type fakeDisk struct{ free atomic.Uint64 }

func (d *fakeDisk) read(string) (uint64, error) { return d.free.Load(), nil }

// Below the reserve, writes of every kind fail with a DiskFullError that
// says what is free and what is reserved, and they resume by themselves
// once space is freed; nothing half-written is left behind.
func TestWritesRefusedBelowTheReserve(t *testing.T) {
	disk := &fakeDisk{}
	disk.free.Store(1 << 30)
	dir := t.TempDir()
	s, err := Open(dir, Options{MinFree: 100 << 20, FreeSpace: disk.read})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustWrite(t, s, "a", WriteOptions{}, `{"_id":"1","v":1}`)

	disk.free.Store(50 << 20)
	checks := map[string]error{}
	_, checks["write"] = s.Write("a", ents(`{"_id":"1","v":2}`), WriteOptions{})
	_, checks["new dataset"] = s.Write("b", ents(`{"_id":"1"}`), WriteOptions{})
	checks["update"] = s.Update(func(tx *Tx) error { return tx.PutValue("x", []byte("1")) })
	checks["meta"] = s.SetPopulated("a")
	checks["join index"] = s.EnsureJoinIndex("a", []string{"v"})
	for what, err := range checks {
		var full *DiskFullError
		if !errors.Is(err, ErrDiskFull) || !errors.As(err, &full) {
			t.Errorf("%s: err %v, want a DiskFullError", what, err)
			continue
		}
		if full.Free != 50<<20 || full.Reserve != 100<<20 || !strings.Contains(err.Error(), "50 MiB free") || !strings.Contains(err.Error(), "100 MiB") {
			t.Errorf("%s: %v", what, err)
		}
	}
	if got, _, _ := s.Get("a", "1"); !strings.Contains(string(got), `"v":1`) {
		t.Errorf("a refused write changed the entity: %s", got)
	}
	if _, ok := s.Dataset("b"); ok {
		t.Error("a refused write created a dataset")
	}

	disk.free.Store(200 << 20)
	mustWrite(t, s, "a", WriteOptions{}, `{"_id":"1","v":2}`)
	if got, _, _ := s.Get("a", "1"); !strings.Contains(string(got), `"v":2`) {
		t.Errorf("after space came back: %s", got)
	}
}

// A data folder on a full disk is not opened (opening writes too), and the
// error says why; without MinFree there is no reserve.
func TestOpenRefusedBelowTheReserve(t *testing.T) {
	disk := &fakeDisk{}
	disk.free.Store(10 << 20)
	dir := t.TempDir()
	_, err := Open(dir, Options{FreeSpace: disk.read, MinFree: DefaultMinFree})
	if !errors.Is(err, ErrDiskFull) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("open on a full disk: %v", err)
	}
	s, err := Open(dir, Options{FreeSpace: disk.read})
	if err != nil {
		t.Fatalf("open with the reserve off: %v", err)
	}
	defer s.Close()
	mustWrite(t, s, "a", WriteOptions{}, `{"_id":"1"}`)
}
