package pipes

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// jsontextStricter lists the only reasons Parse may reject a document that
// encoding/json accepts: json/v2 refuses duplicate keys and invalid UTF-8
// (including lone surrogate escapes), and Parse caps nesting.
var jsontextStricter = []string{"duplicate key", "invalid UTF-8", "invalid surrogate pair", "nesting too deep", "document too complex"}

func FuzzParse(f *testing.F) {
	for _, s := range []string{strayBrace, `{"a":[1,2.5e10,"\u00e9"],"b":{"c~/":null}}`, `{"a":1,"a":2}`, "[\"\xff\"]", "", "  7 ", `"\ud800"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		root, err := Parse("fuzz.json", data)
		valid := json.Valid(data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			checkPos(t, data, e.Pos)
			if valid && !containsAny(e.Msg, jsontextStricter) {
				t.Fatalf("Parse rejects JSON that encoding/json accepts: %v", err)
			}
			return
		}
		if !valid {
			t.Fatalf("Parse accepted %q, which encoding/json rejects", data)
		}
		root.Walk(func(n *Node) bool {
			checkNodePos(t, data, root, n)
			return true
		})
		out := root.JSON()
		if !json.Valid(out) {
			t.Fatalf("JSON() = %q is not valid JSON", out)
		}
		again, err := Parse("again.json", out)
		if err != nil {
			t.Fatalf("JSON() = %q does not re-parse: %v", out, err)
		}
		if !sameTree(root, again) {
			t.Fatalf("tree changed through JSON(): %q -> %q", data, out)
		}
		if string(again.JSON()) != string(out) {
			t.Fatalf("JSON() not stable: %q then %q", out, again.JSON())
		}
	})
}

// fuzzTarget is representative config: strings, ints, pointers, maps,
// slices, embedded structs, NodeDecoder, Validate and any.
type fuzzTarget struct {
	testPipe
	Limits map[string]*uint8 `json:"limits"`
	Matrix [][]int32         `json:"matrix"`
	Any    any               `json:"any"`
	Float  *float32          `json:"float"`
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"_id":"p","source":{"type":"x","port":1e3,"headers":{"a":"b"}},"window":{"from":2,"to":1}}`,
		`{"limits":{"a":255,"b":256,"c":null},"matrix":[[1],[2,-2147483649]],"any":{"x":[1e400]}}`,
		`{"_id":"p","every":"5m","description":["a"],"sourc":{},"float":1e39,"schedule_interval":1}`,
		`[1,{"a":"b"},null]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		root, err := Parse("fuzz.json", data)
		if err != nil {
			return
		}
		targets := []any{&fuzzTarget{}, new(any), new(map[string]StringOrList), new([]int8), new(*Node), new(json.RawMessage)}
		for _, dst := range targets {
			for _, e := range Decode(root, dst) {
				// Every problem must sit exactly on a node of the tree.
				n := root.Child(e.Pointer)
				if n == nil || n.Pos != e.Pos {
					t.Fatalf("%T: problem %v is not at a node (node %v)", dst, e, n)
				}
			}
		}
	})
}

// checkPos verifies that p is inside data and that Line/Col agree with
// Offset (lines split on '\n', columns counted in runes).
func checkPos(t *testing.T, data []byte, p Pos) {
	t.Helper()
	if p.Offset < 0 || p.Offset > len(data) {
		t.Fatalf("offset %d outside input of %d bytes", p.Offset, len(data))
	}
	before := data[:p.Offset]
	line := strings.Count(string(before), "\n") + 1
	col := utf8.RuneCount(before[strings.LastIndexByte(string(before), '\n')+1:]) + 1
	if p.Line != line || p.Col != col {
		t.Fatalf("offset %d at %d:%d, want %d:%d", p.Offset, p.Line, p.Col, line, col)
	}
}

// checkNodePos verifies n's position points at the first byte of its value
// and its pointer leads back to it from the root.
func checkNodePos(t *testing.T, data []byte, root, n *Node) {
	t.Helper()
	checkPos(t, data, n.Pos)
	first := map[Kind]string{Null: "n", Bool: "tf", Number: "-0123456789", String: `"`, Array: "[", Object: "{"}[n.Kind]
	if n.Pos.Offset >= len(data) || !strings.ContainsRune(first, rune(data[n.Pos.Offset])) {
		t.Fatalf("%s node %q starts at offset %d of %q", n.Kind, n.Pointer, n.Pos.Offset, data)
	}
	if root.Child(n.Pointer) != n {
		t.Fatalf("pointer %q does not lead back to its node", n.Pointer)
	}
	for _, m := range n.Members {
		checkPos(t, data, m.KeyPos)
		if data[m.KeyPos.Offset] != '"' {
			t.Fatalf("key %q position %d is not at a quote", m.Key, m.KeyPos.Offset)
		}
	}
}

// sameTree compares values and pointers, ignoring positions.
func sameTree(a, b *Node) bool {
	if a.Kind != b.Kind || a.Str != b.Str || a.Bool != b.Bool || a.Pointer != b.Pointer ||
		len(a.Members) != len(b.Members) || len(a.Items) != len(b.Items) {
		return false
	}
	for i := range a.Members {
		if a.Members[i].Key != b.Members[i].Key || !sameTree(a.Members[i].Value, b.Members[i].Value) {
			return false
		}
	}
	for i := range a.Items {
		if !sameTree(a.Items[i], b.Items[i]) {
			return false
		}
	}
	return true
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
