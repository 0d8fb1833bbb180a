package entity

import (
	"testing"

	"github.com/tidwall/gjson"
)

// TestJoinKeyEquivalence checks that values DTL's eq finds equal get one
// key and different values get different keys.
func TestJoinKeyEquivalence(t *testing.T) {
	same := [][]string{
		{`1`, `1.0`, `1e0`, `"~f1.0"`, `"~f1"`},
		{`0`, `-0`, `0.0`, `-0.0`},
		{`0.1`, `"~f0.1"`},
		{`10000000000000000`, `1e16`},
		{`"~t2020-01-01T00:00:00Z"`, `"~t2020-01-01T01:00:00+01:00"`, `"~t2020-01-01T00:00:00.000Z"`},
		{`"~~tfoo"`, `"~tfoo"`},
		{`"~~x"`, `"~x"`},
	}
	seen := map[string]string{}
	for _, group := range same {
		want, ok := JoinKey(gjson.Parse(group[0]))
		if !ok {
			t.Fatalf("%s has no key", group[0])
		}
		for _, raw := range group[1:] {
			if got, _ := JoinKey(gjson.Parse(raw)); got != want {
				t.Errorf("%s keys as %q, want %q (like %s)", raw, got, want, group[0])
			}
		}
		if other, dup := seen[want]; dup {
			t.Errorf("%s and %s share key %q", group[0], other, want)
		}
		seen[want] = group[0]
	}
	for _, raw := range []string{`"1"`, `true`, `"~:a:b"`, `"~ra:b"`} {
		k, _ := JoinKey(gjson.Parse(raw))
		if other, dup := seen[k]; dup {
			t.Errorf("%s and %s share key %q", raw, other, k)
		}
		seen[k] = raw
	}
	for _, raw := range []string{`null`, `{}`, `[]`} {
		if k, ok := JoinKey(gjson.Parse(raw)); ok {
			t.Errorf("%s keys as %q; it must never match", raw, k)
		}
	}
}
