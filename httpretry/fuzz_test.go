package httpretry

import "testing"

// FuzzRetryAfter: a receiver's Retry-After header is untrusted; reading it
// never panics and never gives a negative wait.
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"", "0", "120", "-1", " 5 ", "Wed, 21 Oct 2015 07:28:00 GMT", "9999999999999999999", "soon"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		if d, ok := RetryAfter(h); ok && d < 0 {
			t.Fatalf("RetryAfter(%q) = %v", h, d)
		}
	})
}
