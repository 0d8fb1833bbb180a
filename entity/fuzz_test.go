package entity

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzAnalyze feeds arbitrary bytes to the entity scanner, which reads
// untrusted input (imports, received webhooks). It must never panic; Check
// must agree with encoding/json on what is a valid object with a string
// _id; and the hash must survive re-serialisation (other key order, other
// escaping, other white space).
func FuzzAnalyze(f *testing.F) {
	for _, seed := range []string{
		`{"_id":"a","x":1}`,
		`{"_id":"a","n":{"b":[1,{"c":"\u00e9"}],"a":null},"_deleted":true}`,
		` { "_id" : "a" , "list" : [ 1 , 2 ] } `,
		`{"_id":"a","_id":"b"}`,
		`{"_id":"a\"b","k\\":"v"}`,
		`[1]`, `{"_id":1}`, `{`, `{"_id":"a",}`, ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var a Analyzer
		facts, aerr := a.Analyze(data) // must not panic, whatever data is
		if aerr == nil {
			a.AppendStored(nil, Version{Previous: -1, Hash: facts.Hash})
		}
		cerr := Check(data)
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		valid := json.Valid(data) && dec.Decode(&m) == nil && m != nil
		id, isString := m["_id"].(string)
		if cerr == nil && (!valid || !isString || id == "") {
			t.Fatalf("Check accepted %q, which encoding/json does not take as an object with a string _id", data)
		}
		if cerr != nil || !valid {
			return
		}
		if facts.ID != id {
			t.Fatalf("Analyze read _id %q, encoding/json %q", facts.ID, id)
		}
		stored := a.AppendStored(nil, Version{Previous: -1, Hash: facts.Hash})
		if !json.Valid(stored) {
			t.Fatalf("stored form of %q is not valid JSON: %s", data, stored)
		}
		again, err := json.Marshal(m) // sorted keys, Go's escaping
		if err != nil {
			t.Fatal(err)
		}
		if h := ContentHash(again); h != facts.Hash {
			t.Fatalf("hash changed when %q was re-serialised as %s", data, again)
		}
	})
}
