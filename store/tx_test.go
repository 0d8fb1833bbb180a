package store

import (
	"errors"
	"testing"

	"github.com/sluice-sync/sluice/entity"
)

// Writes to two datasets and a value commit together, or not at all.
func TestTxWriteCommitsSeveralDatasetsTogether(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	boom := errors.New("boom")
	_, err = s.Write("a", []entity.Entity{entity.Entity(`{"_id":"1"}`)}, WriteOptions{Commit: func(tx *Tx) error {
		if _, err := tx.Write("b", []entity.Entity{entity.Entity(`{"_id":"x"}`)}); err != nil {
			return err
		}
		return boom
	}})
	if !errors.Is(err, boom) {
		t.Fatalf("err %v", err)
	}
	if info, ok := s.Dataset("b"); ok && info.Versions != 0 {
		t.Errorf("b has %d versions after a failed commit", info.Versions)
	}
	if _, ok, _ := s.Get("a", "1"); ok {
		t.Error("a was written by a failed commit")
	}
	_, err = s.Write("a", []entity.Entity{entity.Entity(`{"_id":"1"}`)}, WriteOptions{Commit: func(tx *Tx) error {
		if _, err := tx.Write("b", []entity.Entity{entity.Entity(`{"_id":"x"}`), entity.Entity(`{"_id":"y"}`)}); err != nil {
			return err
		}
		return tx.PutValue("k", []byte("v"))
	}})
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := s.Dataset("b"); info.Versions != 2 || info.Entities != 2 {
		t.Errorf("b: %+v", info)
	}
	if v, ok, _ := s.Value("k"); !ok || string(v) != "v" {
		t.Errorf("value %q %v", v, ok)
	}
	// The dataset was released: a plain write to it works.
	if _, err := s.Write("b", []entity.Entity{entity.Entity(`{"_id":"z"}`)}, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if info, _ := s.Dataset("b"); info.Versions != 3 {
		t.Errorf("b versions %d", info.Versions)
	}
}
