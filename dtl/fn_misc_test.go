package dtl

import (
	"fmt"
	"testing"
)

// MurmurHash3_x64_128 against published vectors (seed 0), as the two
// 64-bit halves h1, h2.
func TestMurmur3Vectors(t *testing.T) {
	for _, tc := range []struct {
		in     string
		h1, h2 uint64
	}{
		{"", 0, 0},
		{"hello", 0xcbd8a7b341bd9b02, 0x5b1e906a48ae1d19},
		{"The quick brown fox jumps over the lazy dog", 0xe34bbc7bbc071b6c, 0x7a433ca9c49a9347},
	} {
		h1, h2 := murmur3x64([]byte(tc.in), 0)
		if h1 != tc.h1 || h2 != tc.h2 {
			t.Errorf("%q: got %x %x, want %x %x", tc.in, h1, h2, tc.h1, tc.h2)
		}
	}
	// Every tail length goes through a different branch; none may panic
	// and each must differ from the previous.
	prev := ""
	for n := 0; n <= 33; n++ {
		h1, h2 := murmur3x64(make([]byte, n), 7)
		s := fmt.Sprintf("%x%x", h1, h2)
		if s == prev {
			t.Errorf("length %d hashes like length %d", n, n-1)
		}
		prev = s
	}
}

func TestHash128Seed(t *testing.T) {
	a, err := evalText(t, `["hash128", "murmur3", 1, "abc"]`, "", "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := evalText(t, `["hash128", "murmur3", 4294967297, "abc"]`, "", "", Options{})
	c, _ := evalText(t, `["hash128", "murmur3", "abc"]`, "", "", Options{})
	if !Equal(a, b) || Equal(a, c) {
		t.Errorf("seed 1 = %s, seed 2^32+1 = %s, no seed = %s", EncodeJSON(a), EncodeJSON(b), EncodeJSON(c))
	}
	if v, _ := evalText(t, `["hash128", "murmur3", "_S.seed", "abc"]`, `{"seed": "x"}`, "", Options{}); v != nil {
		t.Errorf("a non-integer seed gives null, got %s", EncodeJSON(v))
	}
}
