package sources

import (
	"maps"
	"testing"
)

// FuzzParseOffsets reads stored offsets (which set-last-seen lets a user
// write): nothing panics, and what parses writes back to the same offsets.
func FuzzParseOffsets(f *testing.F) {
	for _, seed := range []string{``, `{"a":1,"b":2}`, `{"a": 18446744073709551615}`, `{"q\"uote":0,"gone":3}`, `{"a":-1}`, `[1]`, `{"a":1}{}`} {
		f.Add(seed)
	}
	names := []string{"a", "b", `q"uote`, "é/x"}
	f.Fuzz(func(t *testing.T, since string) {
		pos, err := parseOffsets(since, names)
		if err != nil {
			return
		}
		again, err := parseOffsets(pos.token(names), names)
		if err != nil || !maps.Equal(pos, again) {
			t.Fatalf("%q read as %v, written as %q, read back as %v (%v)", since, pos, pos.token(names), again, err)
		}
	})
}
