package store

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/entity"
)

func numbered(n, version int) []entity.Entity {
	es := make([]entity.Entity, n)
	for i := range es {
		es[i] = entity.Entity(fmt.Sprintf(`{"_id":"e%06d","v":%d}`, i, version))
	}
	return es
}

// A batch far larger than one Badger transaction commits completely, in
// parts that each hold whole entities: every latest version is readable
// through the index afterwards, new entities and changed ones alike.
func TestWriteLargerThanOneTransaction(t *testing.T) {
	s, _ := openTemp(t)
	// A new entity takes two entries (its version and its index entry), a
	// changed one four: both versions exceed one transaction.
	n := int(s.db.MaxBatchCount() * 3 / 4)
	for version := 1; version <= 2; version++ {
		res, err := s.Write("big", numbered(n, version), WriteOptions{})
		if err != nil {
			t.Fatalf("version %d: %v", version, err)
		}
		if res.Written != n {
			t.Fatalf("version %d: wrote %d of %d", version, res.Written, n)
		}
	}
	info, _ := s.Dataset("big")
	if info.Versions != uint64(2*n) || info.Entities != int64(n) {
		t.Fatalf("meta: %+v", info)
	}
	seen := 0
	err := s.Scan("big", ReadOptions{}, func(_ uint64, e []byte) error {
		seen++
		if seen%101 != 0 {
			return nil
		}
		id, _ := entity.ID(e)
		got, ok, err := s.Get("big", id)
		if err != nil || !ok || string(got) != string(e) {
			return fmt.Errorf("entity %s: index and latest version disagree (ok %v, err %v)", id, ok, err)
		}
		return nil
	})
	if err != nil || seen != n {
		t.Fatalf("scan: %d latest versions, err %v", seen, err)
	}
}

// An atomic write of a batch that does not fit in one transaction is
// refused with the number that fits, and writes nothing at all.
func TestAtomicWriteTooBigWritesNothing(t *testing.T) {
	s, _ := openTemp(t)
	mustWrite(t, s, "big", WriteOptions{}, `{"_id":"e000001","v":0}`)
	before, _ := s.Dataset("big")
	committed := false
	n := int(s.db.MaxBatchCount() * 3 / 4)
	_, err := s.Write("big", numbered(n, 1), WriteOptions{Atomic: true, Commit: func(*Tx) error { committed = true; return nil }})
	var tb *TooBigError
	if !errors.As(err, &tb) || !errors.Is(err, ErrTooBig) {
		t.Fatalf("err %v, want a *TooBigError", err)
	}
	if tb.Limit() < 1000 || tb.Limit() >= n {
		t.Errorf("limit %d is not a useful batch size", tb.Limit())
	}
	if committed {
		t.Error("the commit hook ran for a refused batch")
	}
	after, _ := s.Dataset("big")
	if after.Versions != before.Versions || after.Entities != before.Entities {
		t.Errorf("meta changed: %+v → %+v", before, after)
	}
	if got, _, _ := s.Get("big", "e000001"); string(got) == "" || entity.ContentHash(got) != entity.ContentHash(entity.Entity(`{"_id":"e000001","v":0}`)) {
		t.Errorf("the first entity changed: %s", got)
	}
	if n := len(scanAll(t, s, "big", ReadOptions{History: true})); n != 1 {
		t.Errorf("%d versions after a refused batch, want 1", n)
	}
	// A batch within the limit goes through atomically.
	if _, err := s.Write("big", numbered(tb.Limit()/2, 1), WriteOptions{Atomic: true}); err != nil {
		t.Errorf("a batch of half the limit: %v", err)
	}
}

// Values bound for the value log count too: a batch of large entities is
// split (and an atomic one refused) long before Badger's own count, which
// leaves them out, would be reached; each part checks the disk again.
func TestLargeEntitiesSplitByTheirBytes(t *testing.T) {
	checks, fillAfter := 0, 1<<30
	s, err := Open(t.TempDir(), Options{MinFree: 1 << 20, FreeSpace: func(string) (uint64, error) {
		checks++
		if checks > fillAfter {
			return 0, nil
		}
		return 1 << 40, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pad := strings.Repeat("x", 100<<10)
	es := make([]entity.Entity, 1000) // 100 MB
	for i := range es {
		es[i] = entity.Entity(fmt.Sprintf(`{"_id":"e%d","pad":"%s"}`, i, pad))
	}
	if _, err := s.Write("big", es, WriteOptions{Atomic: true}); !errors.Is(err, ErrTooBig) {
		t.Fatalf("an atomic 100 MB batch: %v", err)
	}
	if info, ok := s.Dataset("big"); ok && info.Versions != 0 {
		t.Fatalf("the refused batch wrote %d versions", info.Versions)
	}
	checks, fillAfter = 0, 1 // the write's own check passes; the next part's finds the disk full
	_, err = s.Write("big", es, WriteOptions{})
	if !errors.Is(err, ErrDiskFull) {
		t.Fatalf("a 100 MB batch on a disk that fills: %v", err)
	}
	info, _ := s.Dataset("big")
	if info.Versions == 0 || info.Versions >= 1000 || info.Entities != int64(info.Versions) {
		t.Errorf("after the disk filled mid-batch: %+v (want whole entities of the first part)", info)
	}
}
