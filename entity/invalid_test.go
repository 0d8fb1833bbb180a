package entity

import (
	"errors"
	"strings"
	"testing"
)

// An _id longer than MaxIDBytes is refused with an error naming the limit;
// one of exactly MaxIDBytes is fine. Every refusal matches ErrInvalid.
func TestLongIDsAreRefused(t *testing.T) {
	ok := `{"_id":"` + strings.Repeat("a", MaxIDBytes) + `"}`
	if err := Check(Entity(ok)); err != nil {
		t.Fatalf("an _id of %d bytes: %v", MaxIDBytes, err)
	}
	long := `{"_id":"` + strings.Repeat("é", 35_000) + `"}`
	err := Check(Entity(long))
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "70000 bytes") || !strings.Contains(err.Error(), "8192") {
		t.Fatalf("a 70,000-byte _id: %v", err)
	}
	if len(err.Error()) > 200 {
		t.Errorf("the error repeats the _id: %d bytes", len(err.Error()))
	}
	if _, err := Analyze(Entity(long)); !errors.Is(err, ErrInvalid) {
		t.Errorf("Analyze: %v", err)
	}
	for _, bad := range []string{`[1]`, `{"a":1}`, `{"_id":1}`, `{"_id":""}`, `{"_id":"x","a":1,"a":2}`, "{\"_id\":\"\xff\"}", `{"_id":"x"`} {
		if err := Check(Entity(bad)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: %v does not match ErrInvalid", bad, err)
		}
	}
}
