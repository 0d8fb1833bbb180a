package pipes

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// strayBrace is a pipe whose embedded entity list has one '}' too many
// (line 11, column 1): the classic hand-edited config mistake.
const strayBrace = `{
"_id": "x",
"source": {
"entities": [
{
"_id": "order-create",
"properties": {
"webhook": {"topic": "order/create"}
}
}
}
],
"type": "embedded"
}
}
`

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in  string
		line, col int
		ptr, msg  string
	}{
		{"stray brace", strayBrace, 11, 1, "/source/entities",
			"invalid character '}' after array element (expecting ',' or ']')"},
		{"stray brace CRLF", strings.ReplaceAll(strayBrace, "\n", "\r\n"), 11, 1, "/source/entities",
			"invalid character '}' after array element (expecting ',' or ']')"},
		{"multi-byte before error", `{"naïve €😀": tru}`, 1, 17, "/naïve €😀",
			"invalid character '}' in literal true (expecting 'e')"},
		{"CRLF", "{\r\n  \"a\": 1,\r\n  \"b\": x\r\n}", 3, 8, "/b", "invalid character 'x' at start of value"},
		{"duplicate key", "{\n  \"a\": 1,\n  \"a\": 2\n}", 3, 3, "/a",
			`duplicate key "a" (first defined at line 2, column 3)`},
		{"nested duplicate", `{"x":{"a~b":1,"a~b":[]}}`, 1, 15, "/x/a~0b", `duplicate key "a~b"`},
		{"empty", "", 1, 1, "", "empty input: expected a JSON value"},
		{"only whitespace", " \n ", 2, 2, "", "empty input: expected a JSON value"},
		{"trailing garbage", "{}\n x", 2, 2, "", "invalid character 'x' after top-level value"},
		{"second value", `{} {}`, 1, 4, "", "invalid character '{' after top-level value"},
		{"trailing after number", `123abc`, 1, 4, "", "invalid character 'a' after top-level value"},
		{"invalid UTF-8 in string", "[\"é\xff\"]", 1, 4, "/0", "invalid UTF-8 in string"},
		{"invalid UTF-8 outside string", "[\xff]", 1, 2, "/0", `invalid character '\xff' at start of value`},
		{"BOM", "\uFEFF{}", 1, 1, "", "byte order mark"},
		{"truncated", "{\"a\": [\n  {\"b\": 1}", 2, 11, "/a", "unexpected end of input: the array opened at line 1, column 7 is not closed"},
		{"missing colon", `{"a" 1}`, 1, 6, "/a", "invalid character '1' after object name (expecting ':')"},
		{"trailing comma", `[1,]`, 1, 3, "", "invalid character ','"},
		{"leading zero", `[01]`, 1, 3, "", "invalid character '1' after array element"},
		{"bad escape", `{"k":"a\qb"}`, 1, 8, "/k", "invalid escape sequence `\\q` in string"},
		{"lone surrogate", `["\ud800"]`, 1, 3, "/0", "invalid surrogate pair"},
		{"too deep", strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), 1, MaxDepth + 1,
			strings.Repeat("/0", MaxDepth), "nesting too deep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := Parse("pipe.json", []byte(tt.in))
			if err == nil {
				t.Fatalf("Parse succeeded with %s", n.JSON())
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			if e.Pos.File != "pipe.json" || e.Pos.Line != tt.line || e.Pos.Col != tt.col {
				t.Errorf("pos = %v, want pipe.json:%d:%d", e.Pos, tt.line, tt.col)
			}
			if e.Pointer != tt.ptr {
				t.Errorf("pointer = %q, want %q", e.Pointer, tt.ptr)
			}
			if !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("msg = %q, want it to contain %q", e.Msg, tt.msg)
			}
			if strings.Contains(e.Msg, "jsontext") || strings.Contains(e.Msg, "offset") || strings.Contains(e.Msg, "within") {
				t.Errorf("msg %q repeats jsontext's prefix or position", e.Msg)
			}
		})
	}
}

func TestStrayBraceMessage(t *testing.T) {
	_, err := Parse("pipes/orders.json", []byte(strayBrace))
	want := "pipes/orders.json:11:1: /source/entities: invalid character '}' after array element (expecting ',' or ']')"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}

func TestParsePositions(t *testing.T) {
	in := "{\r\n\"ø€😀\": \"x\", \"b\":\r\n  [1.50, {\"a/b\": {\"m~n\": null}}],\n\t\"c\": true}"
	root, err := Parse("f.json", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ptr       string
		kind      Kind
		line, col int
		offset    int
	}{
		{"", Object, 1, 1, 0},
		{"/ø€😀", String, 2, 8, 16},
		{"/b", Array, 3, 3, 29},
		{"/b/0", Number, 3, 4, 30},
		{"/b/1", Object, 3, 10, 36},
		{"/b/1/a~1b", Object, 3, 18, 44},
		{"/b/1/a~1b/m~0n", Null, 3, 26, 52},
		{"/c", Bool, 4, 7, 67},
	}
	for _, tt := range tests {
		n := root.Child(tt.ptr)
		if n == nil {
			t.Errorf("Child(%q) = nil", tt.ptr)
			continue
		}
		if n.Pointer != tt.ptr || n.Kind != tt.kind {
			t.Errorf("Child(%q): pointer %q kind %v, want kind %v", tt.ptr, n.Pointer, n.Kind, tt.kind)
		}
		if want := (Pos{"f.json", tt.offset, tt.line, tt.col}); n.Pos != want {
			t.Errorf("%q at %+v, want %+v", tt.ptr, n.Pos, want)
		}
	}
	if m := root.Lookup("b"); m == nil || m.KeyPos.Line != 2 || m.KeyPos.Col != 13 || m.KeyPos.Offset != 21 {
		t.Errorf("key b at %+v, want 2:13", m)
	}
	if got := root.Child("/b/0").Str; got != "1.50" {
		t.Errorf("number literal = %q, want 1.50", got)
	}
	for _, bad := range []string{"x", "/nope", "/b/2", "/b/01", "/b/-1", "/c/x"} {
		if n := root.Child(bad); n != nil {
			t.Errorf("Child(%q) = %v, want nil", bad, n)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	tests := []struct{ in, want string }{
		{in: `{ "a" : [ 1 , 2.50 , -0 , 1e300 , 1E-7 ] , "b" : { } , "c" : [ ] }`},
		{in: `12345678901234567890123456789012345678901234567890`},
		{in: `[1e999999, -123456789012345678901234567890.000000000001]`},
		{in: " \"plain\" \n"},
		{in: `{"ünïcødé 😀":"ß€","":null,"t":true,"f":false}`},
		{in: `["\"\\\n\t\r\b\f"]`},
		{in: `{"a/b~c":{"x":[[[]]]}}`},
		{in: `"\u00e9\u20ac\ud83d\ude00"`, want: `"é€😀"`},
		{in: `"\u0001\u001f\/"`, want: `"\u0001\u001f/"`},
		{in: `"<html> & \u2028"`, want: "\"<html> & \u2028\""},
	}
	for _, tt := range tests {
		data := []byte(tt.in)
		root, err := Parse("t.json", data)
		if err != nil {
			t.Fatalf("Parse(%s): %v", tt.in, err)
		}
		if string(data) != tt.in {
			t.Fatalf("Parse modified its input: %q", data)
		}
		want := tt.want
		if want == "" {
			var buf bytes.Buffer
			if err := json.Compact(&buf, []byte(tt.in)); err != nil {
				t.Fatal(err)
			}
			want = buf.String()
		}
		got := root.JSON()
		if string(got) != want {
			t.Errorf("JSON(%s)\n got %s\nwant %s", tt.in, got, want)
		}
		if a, b := decodeStd(t, got), decodeStd(t, []byte(tt.in)); !reflect.DeepEqual(a, b) {
			t.Errorf("JSON(%s) means %#v, input means %#v", tt.in, a, b)
		}
	}
}

// decodeStd decodes with encoding/json, keeping numbers exact.
func decodeStd(t *testing.T, b []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("encoding/json rejects %s: %v", b, err)
	}
	return v
}

func TestJSONReflectsEdits(t *testing.T) {
	root, err := Parse("t.json", []byte(`{"url":"$ENV(URL)","n":1,"tags":["a"]}`))
	if err != nil {
		t.Fatal(err)
	}
	root.Get("url").Str = "https://x/\"q\"\n"
	root.Get("url").Secret = true
	root.Get("n").Str = "not a number"
	root.Get("tags").Items[0] = &Node{Kind: Bool, Bool: true}
	root.Members = append(root.Members, Member{Key: "bad\xffutf8", Value: nil})
	want := `{"url":"https://x/\"q\"\n","n":"not a number","tags":[true],"bad` + "\uFFFD" + `utf8":null}`
	if got := string(root.JSON()); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if !json.Valid(root.JSON()) {
		t.Error("edited tree renders invalid JSON")
	}
}

func TestDescribeAndKinds(t *testing.T) {
	root, err := Parse("t.json", []byte(`["abc", 12, true, null, {}, [], "`+strings.Repeat("x", 60)+`"]`))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`"abc"`, `12`, `true`, `null`, `an object`, `a list`, `"` + strings.Repeat("x", 37) + `..."`}
	for i, w := range want {
		if got := root.Items[i].Describe(); got != w {
			t.Errorf("Describe(item %d) = %s, want %s", i, got, w)
		}
	}
	root.Items[0].Secret = true
	if got := root.Items[0].Describe(); got != `"***"` {
		t.Errorf("secret described as %s", got)
	}
	if got := root.Items[0].String(); strings.Contains(got, "abc") {
		t.Errorf("String() leaks secret: %s", got)
	}
	names := map[Kind]string{Null: "null", Bool: "boolean", Number: "number", String: "string", Array: "array", Object: "object", 9: "Kind(9)"}
	for k, w := range names {
		if k.String() != w {
			t.Errorf("Kind(%d).String() = %q, want %q", int(k), k.String(), w)
		}
	}
	if got := (Pos{File: "a.json", Line: 3, Col: 7}).String(); got != "a.json:3:7" {
		t.Errorf("Pos.String() = %q", got)
	}
}

func TestWalkAndGet(t *testing.T) {
	root, err := Parse("t.json", []byte(`{"a":{"skip":[1,2]},"b":[3,{"c":4}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	root.Walk(func(n *Node) bool {
		seen = append(seen, n.Pointer)
		return n.Pointer != "/a"
	})
	want := []string{"", "/a", "/b", "/b/0", "/b/1", "/b/1/c"}
	if !reflect.DeepEqual(seen, want) {
		t.Errorf("Walk visited %q, want %q", seen, want)
	}
	if root.Get("b").Items[1].Get("c").Str != "4" || root.Get("zz") != nil || root.Get("b").Get("c") != nil {
		t.Error("Get returned the wrong member")
	}
	var nilNode *Node
	if nilNode.Get("a") != nil || nilNode.Describe() != "nothing" || string(nilNode.JSON()) != "null" {
		t.Error("nil node helpers misbehave")
	}
}

func TestParseDepthLimit(t *testing.T) {
	ok := strings.Repeat(`{"a":`, MaxDepth-1) + "[]" + strings.Repeat("}", MaxDepth-1)
	if _, err := Parse("t.json", []byte(ok)); err != nil {
		t.Fatalf("depth %d rejected: %v", MaxDepth, err)
	}
	longKeys := strings.Repeat(`{"`+strings.Repeat("k", 1000)+`":`, 999) + "1" + strings.Repeat("}", 999)
	if _, err := Parse("t.json", []byte(longKeys)); err == nil || !strings.Contains(err.Error(), "document too complex") {
		t.Fatalf("quadratic pointers: %v", err)
	}
	deep := strings.Repeat("[", 100000)
	if _, err := Parse("t.json", []byte(deep)); err == nil || !strings.Contains(err.Error(), "nesting too deep") {
		t.Fatalf("100000 open brackets: %v", err)
	}
}
