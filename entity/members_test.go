package entity

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

func TestEachMember(t *testing.T) {
	var got []string
	err := EachMember([]byte(` { "a" : 1 , "b\"c":{"x":[1,"]}"]}, "_id":"i", "n": null,"t":true }`), func(k, v []byte) error {
		got = append(got, string(k)+"="+string(v))
		return nil
	})
	want := `"a"=1|"b\"c"={"x":[1,"]}"]}|"_id"="i"|"n"=null|"t"=true`
	if err != nil || strings.Join(got, "|") != want {
		t.Fatalf("got %q, %v\nwant %q", strings.Join(got, "|"), err, want)
	}
	for _, bad := range []string{``, `[]`, `{"a"}`, `{"a":}`, `{"a":1`, `{"a":"x`, `{"a":[1}`, `{a:1}`} {
		if err := EachMember([]byte(bad), func(k, v []byte) error { return nil }); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// FuzzEachMember: on any valid JSON object it gives exactly the members
// gjson sees, in order; on anything it never panics.
func FuzzEachMember(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1,"b":[{"c":"}"}]}`, `{"\u0041":"\\\"","n":-1.5e3}`, `[1]`, `{"a":`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var got []string
		err := EachMember([]byte(s), func(k, v []byte) error {
			got = append(got, string(k)+"="+string(v))
			return nil
		})
		if !json.Valid([]byte(s)) || !gjson.Parse(s).IsObject() {
			return
		}
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		var want []string
		gjson.Parse(s).ForEach(func(k, v gjson.Result) bool {
			want = append(want, k.Raw+"="+v.Raw)
			return true
		})
		if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
			t.Fatalf("%q:\n got %q\nwant %q", s, got, want)
		}
	})
}
