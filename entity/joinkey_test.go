package entity

import (
	"strings"
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
		{`"~u9f598f65-eea5-4906-a8f5-82f6d8e69726"`, `"~u9F598F65-EEA5-4906-A8F5-82F6D8E69726"`},
		{`1e500`, `"~f1e500"`},
		{`12345678901234567890`, `"~f12345678901234567890.0"`, `1.2345678901234567890e19`},
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

func TestJoinKeysLiteralNames(t *testing.T) {
	e := []byte(`{"[a,b]": "x", "a": "A", "b": "B", "c.d": "y", "*": "z", "list": [{"k": 1}, {"k": [2, 3]}, 4]}`)
	for _, tc := range []struct {
		path []string
		want string
	}{
		{[]string{"[a,b]"}, "sx"},
		{[]string{"c.d"}, "sy"},
		{[]string{"*"}, "sz"},
		{[]string{"list", "k"}, "n1,n2,n3"},
		{[]string{"nope"}, ""},
	} {
		var got []string
		JoinKeys(e, tc.path, func(k string) { got = append(got, k) })
		if strings.Join(got, ",") != tc.want {
			t.Errorf("%v: keys %v, want %s", tc.path, got, tc.want)
		}
	}
}
