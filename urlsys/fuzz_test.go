package urlsys

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"testing/iotest"
)

// FuzzReadPage feeds the JSON pull page parser any bytes, a byte at a
// time: it never panics; what it accepts is a JSON array of objects that
// encoding/json reads alike; what it refuses it places at an offset whose
// line and column agree with the input's own.
func FuzzReadPage(f *testing.F) {
	for _, s := range []string{
		`[]`, `[{"_id": "a"}]`, "[{\"_id\": \"a\", \"_updated\": 1},\n {\"_id\": \"b\"}]",
		`{"error": "x"}`, `[1]`, `[{"a": 1, "a": 2}]`, `[{"_id": "a"}`, `[{"_id": "a"}] x`, "\n\n [ {} , {\"x\": [1, {\"y\": null}]} ]\n",
		"[\"\xff\"]", `[{"_id": "\ud800"}]`, ``, ` `, `[{}]]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got [][]byte
		n, err := readPage(iotest.OneByteReader(bytes.NewReader(data)), func(e []byte) error {
			got = append(got, e)
			return nil
		})
		if n != len(got) {
			t.Fatalf("n %d, %d entities", n, len(got))
		}
		for _, e := range got {
			var m map[string]json.RawMessage
			if json.Unmarshal(e, &m) != nil {
				t.Fatalf("emitted %q, not an object", e)
			}
		}
		if err == nil {
			var items []json.RawMessage
			if json.Unmarshal(data, &items) != nil || len(items) != len(got) {
				t.Fatalf("accepted %q, which encoding/json reads as %d items", data, len(items))
			}
			for i := range items {
				var a, b bytes.Buffer
				_ = json.Compact(&a, items[i])
				_ = json.Compact(&b, got[i])
				if a.String() != b.String() {
					t.Fatalf("item %d: %s, emitted %s", i, a.String(), b.String())
				}
			}
			return
		}
		var pe *PageError
		if !errors.As(err, &pe) {
			t.Fatalf("%q: %v is not a PageError", data, err)
		}
		if pe.Offset < 0 || pe.Offset > int64(len(data)) {
			t.Fatalf("%q: offset %d outside the input", data, pe.Offset)
		}
		before := data[:pe.Offset]
		line := 1 + bytes.Count(before, []byte{'\n'})
		col := int(pe.Offset) - bytes.LastIndexByte(before, '\n')
		if pe.Line != line || pe.Column != col {
			t.Fatalf("%q: byte %d is line %d column %d, the error says %d:%d", data, pe.Offset, line, col, pe.Line, pe.Column)
		}
	})
}
