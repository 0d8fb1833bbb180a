package store

import "testing"

// TestCompletenessKeptWithMeta: a completeness timestamp and what it saw
// upstream survive later writes and a reopened store.
func TestCompletenessKeptWithMeta(t *testing.T) {
	s, dir := openTemp(t)
	if s.Completeness("d") != 0 {
		t.Fatal("a dataset that does not exist has completeness")
	}
	if err := s.SetCompleteness("d", 42, map[string]int64{"up": 7}); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, s, "d", WriteOptions{}, `{"_id": "a"}`)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if c := s.Completeness("d"); c != 42 {
		t.Fatalf("completeness %d after a write and reopening, want 42", c)
	}
	for _, tc := range []struct {
		via, ds string
		want    int64
		ok      bool
	}{{"d", "d", 42, true}, {"d", "up", 7, true}, {"d", "other", 0, false}, {"nope", "nope", 0, false}} {
		if got, ok := s.CompletenessVia(tc.via, tc.ds); got != tc.want || ok != tc.ok {
			t.Errorf("CompletenessVia(%s, %s) = %d, %v; want %d, %v", tc.via, tc.ds, got, ok, tc.want, tc.ok)
		}
	}
}
