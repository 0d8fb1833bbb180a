package store

import (
	"fmt"
	"testing"
)

// Trim drops the oldest versions for good: entities whose latest version
// goes leave the dataset and the counts; what stays keeps its offsets.
func TestTrimRemovesTheOldestVersions(t *testing.T) {
	s, dir := openTemp(t)
	for i := 0; i < 2500; i++ {
		mustWrite(t, s, "log", WriteOptions{}, fmt.Sprintf(`{"_id":"r%d","n":%d}`, i, i))
	}
	// r0 gets a second version (offset 2500): its first one is history.
	mustWrite(t, s, "log", WriteOptions{}, `{"_id":"r0","n":-1}`)
	mustWrite(t, s, "log", WriteOptions{}, `{"_id":"r1","_deleted":true}`)

	removed, err := s.Trim("log", 2200)
	if err != nil {
		t.Fatal(err)
	}
	if removed != 2200 {
		t.Errorf("removed %d versions, want 2200", removed)
	}
	info, _ := s.Dataset("log")
	// Left: r0 and r1 (their latest versions are new), r2200..r2499.
	if info.First != 2200 || info.Entities != 302 || info.Deleted != 1 || info.Versions != 2502 {
		t.Errorf("meta after trim: %+v", info)
	}
	all := scanAll(t, s, "log", ReadOptions{History: true})
	if len(all) != 302 || all[0].Offset != 2200 || all[0].ID != "r2200" {
		t.Fatalf("%d versions left, first %+v", len(all), all[0])
	}
	if _, ok, _ := s.Get("log", "r5"); ok {
		t.Error("a trimmed entity can still be read")
	}
	if e, ok, _ := s.Get("log", "r0"); !ok || string(e) == "" {
		t.Error("an entity whose latest version stayed is gone")
	}
	// The trim survives a reopen, and writes go on after it.
	s.Close()
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustWrite(t, s, "log", WriteOptions{}, `{"_id":"r5","n":5}`)
	info, _ = s.Dataset("log")
	if info.First != 2200 || info.Entities != 303 || info.Versions != 2503 {
		t.Errorf("meta after reopen and a write: %+v", info)
	}
	if removed, err := s.Trim("log", 100); err != nil || removed != 0 {
		t.Errorf("trimming below the first offset: %d, %v", removed, err)
	}
}

// A dataset with a join index is never trimmed (its index would keep keys
// of entities that are gone).
func TestTrimRefusesJoinIndexedDatasets(t *testing.T) {
	s, _ := openTemp(t)
	mustWrite(t, s, "people", WriteOptions{}, `{"_id":"a","team":"x"}`)
	if err := s.EnsureJoinIndex("people", []string{"team"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Trim("people", 1); err == nil {
		t.Fatal("trimmed a dataset with a join index")
	}
}
