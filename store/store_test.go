package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/sluice-sync/sluice/entity"
)

func openTemp(t testing.TB) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dir
}

func ents(docs ...string) []entity.Entity {
	out := make([]entity.Entity, len(docs))
	for i, d := range docs {
		out[i] = entity.Entity(d)
	}
	return out
}

type version struct {
	Offset   uint64
	ID       string `json:"_id"`
	Deleted  bool   `json:"_deleted"`
	Updated  uint64 `json:"_updated"`
	Previous *int64 `json:"_previous"`
	Hash     string `json:"_hash"`
	TS       int64  `json:"_ts"`
	Name     string `json:"name"`
}

func scanAll(t *testing.T, s *Store, name string, opts ReadOptions) []version {
	t.Helper()
	var out []version
	err := s.Scan(name, opts, func(off uint64, e []byte) error {
		var v version
		if err := json.Unmarshal(e, &v); err != nil {
			return fmt.Errorf("offset %d: %w: %s", off, err, e)
		}
		v.Offset = off
		out = append(out, v)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func mustWrite(t *testing.T, s *Store, name string, opts WriteOptions, docs ...string) WriteResult {
	t.Helper()
	res, err := s.Write(name, ents(docs...), opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestWriteVersionsAndNoops(t *testing.T) {
	s, _ := openTemp(t)
	res := mustWrite(t, s, "people", WriteOptions{}, `{"_id":"a","name":"A"}`, `{"_id":"b","name":"B"}`)
	if res.Written != 2 || res.Unchanged != 0 {
		t.Fatalf("first write: %+v", res)
	}
	// Same content, other key order and white space: a no-op.
	res = mustWrite(t, s, "people", WriteOptions{}, `{ "name" : "A", "_id":"a"}`, `{"_id":"b","name":"B","_ts":5,"_updated":99}`)
	if res.Written != 0 || res.Unchanged != 2 {
		t.Fatalf("identical rewrite: %+v", res)
	}
	res = mustWrite(t, s, "people", WriteOptions{}, `{"_id":"a","name":"A2"}`)
	if res.Written != 1 {
		t.Fatalf("change: %+v", res)
	}
	latest := scanAll(t, s, "people", ReadOptions{})
	if len(latest) != 2 || latest[0].ID != "b" || latest[1].ID != "a" {
		t.Fatalf("latest = %+v", latest)
	}
	a := latest[1]
	if a.Updated != 2 || a.Offset != 2 || a.Previous == nil || *a.Previous != 0 || a.Name != "A2" || a.TS == 0 || len(a.Hash) != 32 {
		t.Fatalf("new version of a = %+v", a)
	}
	if latest[0].Previous != nil {
		t.Fatalf("first version must have _previous null: %+v", latest[0])
	}
	all := scanAll(t, s, "people", ReadOptions{History: true})
	if got := []string{all[0].Name, all[1].Name, all[2].Name}; fmt.Sprint(got) != "[A B A2]" {
		t.Fatalf("history = %v", got)
	}
	info, _ := s.Dataset("people")
	if info.Versions != 3 || info.Entities != 2 || info.Deleted != 0 {
		t.Fatalf("info = %+v", info)
	}
}

func TestReadSinceLimitAndDeleted(t *testing.T) {
	s, _ := openTemp(t)
	mustWrite(t, s, "d", WriteOptions{}, `{"_id":"a"}`, `{"_id":"b"}`, `{"_id":"c"}`)
	res := mustWrite(t, s, "d", WriteOptions{}, `{"_id":"b","_deleted":true}`)
	if res.Deleted != 1 {
		t.Fatalf("delete: %+v", res)
	}
	got := scanAll(t, s, "d", ReadOptions{From: 1})
	if len(got) != 2 || got[0].ID != "c" || got[1].ID != "b" || !got[1].Deleted {
		t.Fatalf("since 0 = %+v", got)
	}
	got = scanAll(t, s, "d", ReadOptions{SkipDeleted: true})
	if len(got) != 2 || got[0].ID != "a" || got[1].ID != "c" {
		t.Fatalf("without deleted = %+v", got)
	}
	got = scanAll(t, s, "d", ReadOptions{History: true, From: 1, Limit: 2})
	if len(got) != 2 || got[0].Offset != 1 || got[1].Offset != 2 {
		t.Fatalf("history since 0 limit 2 = %+v", got)
	}
	// Deleting again is a no-op; undeleting is a change.
	if res := mustWrite(t, s, "d", WriteOptions{}, `{"_id":"b","_deleted":true}`); res.Written != 0 {
		t.Fatalf("re-delete: %+v", res)
	}
	mustWrite(t, s, "d", WriteOptions{}, `{"_id":"b"}`)
	info, _ := s.Dataset("d")
	if info.Entities != 3 || info.Deleted != 0 || info.Versions != 5 {
		t.Fatalf("info = %+v", info)
	}
	e, ok, err := s.Get("d", "b")
	if err != nil || !ok || entity.Deleted(e) {
		t.Fatalf("get b = %s %v %v", e, ok, err)
	}
	if _, ok, _ := s.Get("d", "zz"); ok {
		t.Fatal("get of a missing id must report not found")
	}
}

func TestDuplicateIDsInOneBatch(t *testing.T) {
	s, _ := openTemp(t)
	res := mustWrite(t, s, "d", WriteOptions{}, `{"_id":"a","n":1}`, `{"_id":"a","n":2}`, `{"_id":"a","n":2}`)
	if res.Written != 2 || res.Unchanged != 1 {
		t.Fatalf("res = %+v", res)
	}
	if got := scanAll(t, s, "d", ReadOptions{History: true}); len(got) != 2 || *got[1].Previous != 0 {
		t.Fatalf("versions = %+v", got)
	}
}

func TestCommitFailureWritesNothing(t *testing.T) {
	s, _ := openTemp(t)
	mustWrite(t, s, "d", WriteOptions{}, `{"_id":"a"}`)
	boom := errors.New("boom")
	_, err := s.Write("d", ents(`{"_id":"b"}`, `{"_id":"a","x":1}`), WriteOptions{Commit: func(*Tx) error { return boom }})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if got := scanAll(t, s, "d", ReadOptions{History: true}); len(got) != 1 {
		t.Fatalf("a failed commit left versions behind: %+v", got)
	}
	if info, _ := s.Dataset("d"); info.Versions != 1 || info.Entities != 1 {
		t.Fatalf("meta changed by a failed commit: %+v", info)
	}
	// A bad entity fails the whole batch too.
	if _, err := s.Write("d", ents(`{"_id":"c"}`, `{"x":1}`), WriteOptions{}); err == nil {
		t.Fatal("entity without _id accepted")
	}
	if got := scanAll(t, s, "d", ReadOptions{}); len(got) != 1 {
		t.Fatalf("a failed batch was half written: %+v", got)
	}
}

func TestCommitWithPipeState(t *testing.T) {
	s, dir := openTemp(t)
	_, err := s.Write("d", ents(`{"_id":"a"}`), WriteOptions{Commit: func(tx *Tx) error {
		return tx.PutPipeState("p", PipeState{LastSeen: "41"})
	}})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	st, err := s2.PipeState("p")
	if err != nil || st.LastSeen != "41" {
		t.Fatalf("state = %+v, %v", st, err)
	}
	if got := scanAll(t, s2, "d", ReadOptions{}); len(got) != 1 {
		t.Fatalf("reopened dataset = %+v", got)
	}
	if info, ok := s2.Dataset("d"); !ok || info.Versions != 1 {
		t.Fatalf("reopened meta = %+v", info)
	}
}

func TestFullRunDeletesUnseen(t *testing.T) {
	s, _ := openTemp(t)
	mustWrite(t, s, "d", WriteOptions{}, `{"_id":"a"}`, `{"_id":"b"}`, `{"_id":"c"}`)
	gen, err := s.BeginFullRun("d")
	if err != nil {
		t.Fatal(err)
	}
	// The full run sees a (unchanged) and c (changed), not b.
	mustWrite(t, s, "d", WriteOptions{FullRun: gen}, `{"_id":"a"}`)
	mustWrite(t, s, "d", WriteOptions{FullRun: gen}, `{"_id":"c","v":2}`)
	finalRan := false
	n, err := s.DeleteUnseen("d", gen, func(*Tx) error { finalRan = true; return nil })
	if err != nil || n != 1 || !finalRan {
		t.Fatalf("DeleteUnseen = %d, %v, final %v", n, err, finalRan)
	}
	e, _, _ := s.Get("d", "b")
	if !entity.Deleted(e) {
		t.Fatalf("b not deleted: %s", e)
	}
	// A second sweep of the same run finds nothing more.
	if n, _ := s.DeleteUnseen("d", gen, nil); n != 0 {
		t.Fatalf("second sweep deleted %d", n)
	}
}

func TestFullRunSweepManyBatches(t *testing.T) {
	s, _ := openTemp(t)
	var docs []string
	for i := range 2500 {
		docs = append(docs, fmt.Sprintf(`{"_id":"e%05d"}`, i))
	}
	mustWrite(t, s, "d", WriteOptions{}, docs...)
	gen, _ := s.BeginFullRun("d")
	mustWrite(t, s, "d", WriteOptions{FullRun: gen}, docs[:10]...)
	n, err := s.DeleteUnseen("d", gen, nil)
	if err != nil || n != 2490 {
		t.Fatalf("deleted %d, %v", n, err)
	}
	if info, _ := s.Dataset("d"); info.Deleted != 2490 || info.Entities != 2500 {
		t.Fatalf("info = %+v", info)
	}
}

func TestOpenTwiceIsLocked(t *testing.T) {
	s, dir := openTemp(t)
	_ = s
	_, err := Open(dir, Options{})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v", err)
	}
}

func TestScanMissingDataset(t *testing.T) {
	s, _ := openTemp(t)
	err := s.Scan("nope", ReadOptions{}, func(uint64, []byte) error { return nil })
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
}
