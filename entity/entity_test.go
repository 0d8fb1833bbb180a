package entity

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestContentHashIgnoresOrderSpaceAndReserved(t *testing.T) {
	base := `{"_id":"a","name":"Ann Lee","nested":{"x":1,"y":[1,{"b":2,"a":"é"}]}}`
	same := []string{
		`{"nested":{"y":[1,{"a":"\u00e9","b":2}],"x":1},"name":"Ann Lee","_id":"a"}`,
		"{ \"_id\" : \"a\",\n \"name\":\"Ann Lee\", \"nested\": { \"x\" : 1 , \"y\":[ 1 , {\"b\":2,\"a\":\"é\"} ] } }",
		`{"_id":"a","name":"Ann Lee","nested":{"x":1,"y":[1,{"b":2,"a":"é"}]},"_updated":7,"_ts":1,"_hash":"x","_previous":3,"_filtered":false}`,
		`{"_id":"a","name":"Ann Lee","nested":{"x":1,"y":[1,{"b":2,"a":"é"}]},"_deleted":false}`,
	}
	differ := []string{
		`{"_id":"b","name":"Ann Lee","nested":{"x":1,"y":[1,{"b":2,"a":"é"}]}}`,
		`{"_id":"a","name":"Ann  Lee","nested":{"x":1,"y":[1,{"b":2,"a":"é"}]}}`,
		`{"_id":"a","name":"Ann Lee","nested":{"x":1.0,"y":[1,{"b":2,"a":"é"}]}}`,
		`{"_id":"a","name":"Ann Lee","nested":{"x":1,"y":[{"b":2,"a":"é"},1]}}`,
		`{"_id":"a","name":"Ann Lee","nested":{"x":1,"y":[1,{"b":2,"a":"é"}]},"_deleted":true}`,
		`{"_id":"a","name":"Ann Lee","nested":{"x":1,"y":[1,{"b":2,"a":"é"}]},"$ids":["x"]}`,
		`{"_id":"a","name":"Ann Lee","nested":{"x":1,"y":[1,{"b":2,"a":"é"}]},"extra":null}`,
	}
	want := ContentHash(Entity(base))
	for _, s := range same {
		if got := ContentHash(Entity(s)); got != want {
			t.Errorf("hash differs for equal content %s", s)
		}
	}
	for _, s := range differ {
		if got := ContentHash(Entity(s)); got == want {
			t.Errorf("hash equal for different content %s", s)
		}
	}
	// Values must not be confusable by concatenation.
	if ContentHash(Entity(`{"_id":"a","ab":"c"}`)) == ContentHash(Entity(`{"_id":"a","a":"bc"}`)) {
		t.Error("key/value boundaries are ambiguous")
	}
}

func TestAppendStored(t *testing.T) {
	in := `{"_id":"a", "_updated":5, "_ts":1, "_deleted":true, "name":"Ann Lee", "n":{ "x" : [1, 2] }, "$op":"x"}`
	v := Version{Offset: 9, Previous: 4, Hash: ContentHash(Entity(in)), TS: 123, Deleted: true}
	out := AppendStored(nil, Entity(in), v)
	want := `{"_id":"a","name":"Ann Lee","n":{"x":[1,2]},"$op":"x","_deleted":true,"_hash":"` + v.Hash.String() +
		`","_previous":4,"_ts":123,"_updated":9}`
	if string(out) != want {
		t.Fatalf("stored =\n%s\nwant\n%s", out, want)
	}
	if !json.Valid(out) {
		t.Fatal("stored form is not valid JSON")
	}
	first := AppendStored(nil, Entity(`{"_id":"a"}`), Version{Previous: -1})
	if !strings.Contains(string(first), `"_previous":null`) || !strings.HasPrefix(string(first), `{"_id":"a","_deleted":false`) {
		t.Fatalf("first version = %s", first)
	}
}

func TestWithDeleted(t *testing.T) {
	got := WithDeleted(Entity(`{"_id":"a","_deleted":false,"x":1}`))
	if string(got) != `{"_id":"a","x":1,"_deleted":true}` || !Deleted(got) {
		t.Fatalf("WithDeleted = %s", got)
	}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct{ in, err string }{
		{`{"_id":"a"}`, ""},
		{`{"_id":1}`, "must be a string"},
		{`{"_id":""}`, "empty"},
		{`{"x":1}`, "no _id"},
		{`[1]`, "not a JSON object"},
		{`{"_id":"a"`, "not valid JSON"},
		{`{"_id":"a"} x`, "not valid JSON"},
		{`{"_id":"a","_id":5}`, `property "_id" twice`},
		{`{"_id":"c","v":1,"_id":"d"}`, `property "_id" twice`},
		{` {"_id":"a","v":1} `, ""},
	} {
		err := Check(Entity(tc.in))
		if (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("Check(%s) = %v, want %q", tc.in, err, tc.err)
		}
	}
}

func BenchmarkStoredForm(b *testing.B) {
	e := Entity(fmt.Sprintf(`{"_id":"customer-1","name":"Customer number 1","email":"c@example.com",`+
		`"address":{"street":"1 Long Street Name","city":"Springfield","zip":"00001","country":"NO"},`+
		`"tags":["gold","newsletter","b2b"],"balance":7.25,"active":true,"created":"~t2024-01-02T03:04:05Z",`+
		`"notes":"%s"}`, strings.Repeat("lorem ipsum ", 17)))
	var buf []byte
	var a Analyzer
	for b.Loop() {
		f, err := a.Analyze(e)
		if err != nil {
			b.Fatal(err)
		}
		buf = a.AppendStored(buf[:0], Version{Offset: 1, Previous: -1, Hash: f.Hash, TS: 1})
	}
}
