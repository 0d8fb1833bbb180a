package webhooksink

import (
	"encoding/json"
	"testing"

	"github.com/sluice-sync/sluice/entity"
)

// FuzzPayload: whatever entity reaches the sink, reading it never panics;
// when it is accepted, its payload and the record and GET query built from
// it are valid.
func FuzzPayload(f *testing.F) {
	for _, s := range []string{`{"_id":"a","x":1}`, `{"_id":"a","_deleted":true}`, `{"x":1}`, `{"_id":1}`, `[]`, `{"_id":"a","n":{"k":[1,{"z":null}]}}`, `{"_id":"\u00e9\"","a\"b":"c"}`} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, doc string, valmi bool) {
		if !json.Valid([]byte(doc)) {
			return
		}
		s := &Sink{cfg: &SinkConfig{SyncMode: ModeUpsert, ValmiCompat: valmi}}
		it, err := s.payload(entity.Entity(doc), nil)
		if err != nil {
			return
		}
		if obj := append(append([]byte("{"), it.fields...), '}'); !json.Valid(obj) {
			t.Fatalf("payload of %s is not JSON: %s", doc, obj)
		}
		r := &record{id: it.id, op: "upsert", fields: it.fields, msgID: 1, row: 1, reasons: []string{"x\n\"y"}}
		rec := s.appendRecord(nil, r)
		if !json.Valid(rec) {
			t.Fatalf("record of %s is not JSON: %s", doc, rec)
		}
		_ = query(rec)
	})
}

// FuzzUnpackRecords: a state chunk read back from the store never panics
// the sink, and what packRecords writes reads back the same.
func FuzzUnpackRecords(f *testing.F) {
	f.Add("3:abc ff 1 0;", "x y", int64(7))
	f.Add("", "", int64(0))
	f.Add("99:a", "a;b", int64(-1))
	f.Fuzz(func(t *testing.T, packed, id string, msg int64) {
		_, _ = unpackRecords(packed)
		in := []chunkRecord{{id: id, hash: "deleted", msg: msg, seen: 3}, {id: id + ";", hash: "1f", msg: 1}}
		out, err := unpackRecords(string(packRecords(in)))
		if err != nil || len(out) != 2 || out[0].id != id || out[1].id != id+";" || out[0].msg != msg || out[1].hash != "1f" {
			t.Fatalf("round trip of %q: %+v, %v", id, out, err)
		}
	})
}
