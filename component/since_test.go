package component

import "testing"

func TestCompareSince(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"9", "10", -1},
		{"10", "9", 1},
		{"1.5", "1.50", 0},
		{"18446744073709551617", "18446744073709551616", 1},
		{"2024-01-02T00:00:00Z", "2024-01-10T00:00:00Z", -1},
		{"b", "a", 1},
	} {
		if got := CompareSince(tc.a, tc.b); got != tc.want {
			t.Errorf("CompareSince(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
