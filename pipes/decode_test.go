package pipes

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// The types below mimic real pipe config so the tests exercise the shapes
// sluice decodes: embedded common fields, nested structs, polymorphic values.

type testCommon struct {
	ID          string       `json:"_id" cfg:"required"`
	Description StringOrList `json:"description"`
}

type testRetry struct {
	Max     int     `json:"max_retries"`
	Backoff float64 `json:"backoff"`
}

type testSource struct {
	Type      string            `json:"type" cfg:"required"`
	URL       *string           `json:"url"`
	Entities  []*Node           `json:"entities"`
	Retry     *testRetry        `json:"retry"`
	Headers   map[string]string `json:"headers"`
	Extra     any               `json:"extra"`
	Raw       json.RawMessage   `json:"raw"`
	Port      uint16            `json:"port"`
	Small     int8              `json:"small"`
	BatchSize int64             `json:"batch_size"`
	Ratio     float32           `json:"ratio"`
	Num       json.Number       `json:"num"`
	Internal  string            `json:"-"`
	Untagged  bool
}

type testPipe struct {
	testCommon
	Source   testSource  `json:"source"`
	Window   *testWindow `json:"window"`
	Every    testEvery   `json:"every"`
	Schedule string      `json:"schedule"`
	Tags     []string    `json:"tags"`
	Node     *Node       `json:"node"`
}

// SesamKeys declares schedule_interval accepted without effect.
func (*testPipe) SesamKeys() []string { return []string{"schedule_interval"} }

// testWindow validates across fields and blames single properties.
type testWindow struct {
	From int    `json:"from"`
	To   int    `json:"to"`
	Name string `json:"name"`
}

func (w *testWindow) Validate() error {
	switch w.Name {
	case "whole":
		return errors.New("window is invalid as a whole")
	case "single":
		return &FieldError{Field: "from", Err: errors.New("must be positive")}
	case "wrapped":
		return fmt.Errorf("checking: %w", &FieldError{Field: "name", Err: errors.New("bad name")})
	}
	var errs []error
	if w.From > w.To {
		errs = append(errs, &FieldError{Field: "to", Err: fmt.Errorf("must not be less than from (%d)", w.From)})
	}
	if w.Name == "" {
		errs = append(errs, &FieldError{Field: "name", Err: errors.New("must be set")})
	}
	return errors.Join(errs...)
}

// testEvery accepts a number of seconds or a string like "5m".
type testEvery struct{ Text string }

func (e *testEvery) DecodeNode(n *Node) Errors {
	var es Errors
	switch n.Kind {
	case Number:
		e.Text = n.Str + "s"
	case String:
		if !strings.HasSuffix(n.Str, "m") {
			es.Add(n, "duration %s must end in m", n.Describe())
		}
		e.Text = n.Str
	default:
		es.Add(n, "expected seconds or a duration, got %s", n.Kind.article())
	}
	return es
}

type problem struct{ pos, ptr, msg string }

func decodePipe(t *testing.T, in string) (*testPipe, Errors) {
	t.Helper()
	root, err := Parse("p.json", []byte(in))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	p := &testPipe{Schedule: "default", Source: testSource{Port: 80}}
	return p, Decode(root, p)
}

func TestDecodeProblems(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []problem
	}{
		{"unknown with suggestion", `{"_id":"p","sourse":{}}`,
			[]problem{{"1:21", "/sourse", `unknown property "sourse" (did you mean "source"?)`}}},
		{"unknown case and dash", `{"_id":"p","Schedule-Interval":1}`,
			[]problem{{"1:32", "/Schedule-Interval", `unknown property "Schedule-Interval" (did you mean "schedule_interval"?)`}}},
		{"unknown no suggestion", `{"_id":"p","zzzzzz":1}`,
			[]problem{{"1:21", "/zzzzzz", `unknown property "zzzzzz"`}}},
		{"required", `{"source":{}}`, []problem{
			{"1:11", "/source", `missing required property "type"`},
			{"1:1", "", `missing required property "_id"`}}},
		{"ignored warns", `{"_id":"p","schedule_interval":"60"}`, []problem{
			{"1:32", "/schedule_interval", `warning: property "schedule_interval" is accepted for Sesam compatibility but has no effect in sluice`}}},
		{"wrong types", `{"_id":1,"tags":"a","source":{"type":"x","url":false,"headers":[],"port":"80","retry":{"backoff":"1"}}}`, []problem{
			{"1:8", "/_id", "expected a string, got a number"},
			{"1:17", "/tags", "expected an array, got a string"},
			{"1:48", "/source/url", "expected a string, got a boolean"},
			{"1:64", "/source/headers", "expected an object, got an array"},
			{"1:74", "/source/port", "expected an integer, got a string"},
			{"1:98", "/source/retry/backoff", "expected a number, got a string"}}},
		{"int range and fractions", `{"_id":"p","source":{"type":"x","port":65536,"small":-129,"batch_size":1.0,"retry":{"max_retries":12345678901234567890}}}`, []problem{
			{"1:40", "/source/port", "number 65536 is out of range (0 to 65535)"},
			{"1:54", "/source/small", "number -129 is out of range (-128 to 127)"},
			{"1:72", "/source/batch_size", "expected an integer, got 1.0"},
			{"1:99", "/source/retry/max_retries", "number 12345678901234567890 is out of range (-9223372036854775808 to 9223372036854775807)"}}},
		{"exponents", `{"_id":"p","source":{"type":"x","port":-1,"small":15e-1,"batch_size":1e999999999999,"ratio":1e39}}`, []problem{
			{"1:40", "/source/port", "number -1 is out of range (0 to 65535)"},
			{"1:51", "/source/small", "expected an integer, got 15e-1"},
			{"1:70", "/source/batch_size", "number 1e999999999999 is out of range (-9223372036854775808 to 9223372036854775807)"},
			{"1:93", "/source/ratio", "number 1e39 is out of range for a 32-bit float"}}},
		{"null only for pointers", `{"_id":null,"window":null,"tags":null}`, []problem{
			{"1:8", "/_id", "expected a string, got null"},
			{"1:34", "/tags", "expected an array, got null"}}},
		{"map values", `{"_id":"p","source":{"type":"x","headers":{"a":"1","b":2}}}`,
			[]problem{{"1:56", "/source/headers/b", "expected a string, got a number"}}},
		{"node decoder", `{"_id":"p","every":"5s","description":["a",2]}`, []problem{
			{"1:20", "/every", `duration "5s" must end in m`},
			{"1:44", "/description/1", "expected a string, got a number"}}},
		{"string or list wrong", `{"_id":"p","description":{}}`,
			[]problem{{"1:26", "/description", "expected a string or a list of strings, got an object"}}},
		{"validate whole", `{"_id":"p","window":{"name":"whole"}}`,
			[]problem{{"1:21", "/window", "window is invalid as a whole"}}},
		{"validate single field", `{"_id":"p","window":{"from":-1,"name":"single"}}`,
			[]problem{{"1:29", "/window/from", "must be positive"}}},
		{"validate wrapped field", `{"_id":"p","window":{"name":"wrapped"}}`,
			[]problem{{"1:29", "/window/name", "checking: name: bad name"}}},
		{"validate joined", `{"_id":"p","window":{"from":5,"to":1}}`, []problem{
			{"1:36", "/window/to", "must not be less than from (5)"},
			{"1:21", "/window", "name: must be set"}}},
		{"validate skipped after errors", `{"_id":"p","window":{"from":"x","name":"whole"}}`,
			[]problem{{"1:29", "/window/from", "expected an integer, got a string"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := decodePipe(t, tt.in)
			var got []problem
			for _, e := range errs {
				msg := e.Msg
				if e.Warning {
					msg = "warning: " + msg
				}
				got = append(got, problem{fmt.Sprintf("%d:%d", e.Pos.Line, e.Pos.Col), e.Pointer, msg})
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestDecodeValues(t *testing.T) {
	in := `{
  "_id": "orders", "description": "one line",
  "source": {"type": "http", "url": "https://x", "entities": [{"_id": 1}],
    "retry": {"max_retries": 3}, "headers": {"h": "v"},
    "extra": {"n": 12345678901234567890, "l": [true, null, "s"]},
    "raw": {"a": [1, 2.0]}, "small": -128, "batch_size": 1e3, "ratio": 0.5,
    "num": 1.50, "Untagged": true},
  "window": {"from": 1, "to": 2, "name": "w"},
  "every": 30, "tags": ["a", "b"], "node": {"k": "v"}
}`
	p, errs := decodePipe(t, in)
	if len(errs) != 0 {
		t.Fatalf("unexpected problems:\n%v", errs)
	}
	s := p.Source
	checks := []struct {
		name      string
		got, want any
	}{
		{"_id", p.ID, "orders"},
		{"description", p.Description, StringOrList{"one line"}},
		{"type", s.Type, "http"},
		{"url", *s.URL, "https://x"},
		{"entities", string(s.Entities[0].JSON()), `{"_id":1}`},
		{"entity pointer", s.Entities[0].Pointer, "/source/entities/0"},
		{"retry", *s.Retry, testRetry{Max: 3}},
		{"headers", s.Headers, map[string]string{"h": "v"}},
		{"extra", s.Extra, map[string]any{"n": json.Number("12345678901234567890"), "l": []any{true, nil, "s"}}},
		{"raw", string(s.Raw), `{"a":[1,2.0]}`},
		{"port default kept", s.Port, uint16(80)},
		{"small", s.Small, int8(-128)},
		{"batch_size", s.BatchSize, int64(1000)},
		{"ratio", s.Ratio, float32(0.5)},
		{"num", s.Num, json.Number("1.50")},
		{"untagged", s.Untagged, true},
		{"window", *p.Window, testWindow{From: 1, To: 2, Name: "w"}},
		{"every", p.Every.Text, "30s"},
		{"tags", p.Tags, []string{"a", "b"}},
		{"node", p.Node.Get("k").Str, "v"},
		{"schedule default kept", p.Schedule, "default"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}

	// JSON null resets a pointer that had a default.
	root, _ := Parse("p.json", []byte(`{"_id":"p","window":null,"source":{"type":"x","url":null}}`))
	u := "keep"
	p = &testPipe{Window: &testWindow{}, Source: testSource{URL: &u}}
	if errs := Decode(root, p); len(errs) != 0 || p.Window != nil || p.Source.URL != nil {
		t.Errorf("null did not reset pointers: %v %v %v", errs, p.Window, p.Source.URL)
	}
}

func TestDecodeIntegerLiterals(t *testing.T) {
	tests := []struct {
		lit string
		ok  bool
		val int64
	}{
		{"0", true, 0}, {"-0", true, 0}, {"1e3", true, 1000}, {"1E+3", true, 1000},
		{"100e-2", true, 1}, {"0e99999999999", true, 0}, {"-9223372036854775808", true, -9223372036854775808},
		{"9223372036854775808", false, 0}, {"1.0", false, 0}, {"15e-1", false, 0}, {"1e19", false, 0},
		{"1e-99999999999999", false, 0},
	}
	for _, tt := range tests {
		var v int64
		errs := Decode(&Node{Kind: Number, Str: tt.lit}, &v)
		if (len(errs) == 0) != tt.ok || v != tt.val {
			t.Errorf("%s: got %d, %v; want ok=%v %d", tt.lit, v, errs, tt.ok, tt.val)
		}
	}
	var u uint8
	if errs := Decode(&Node{Kind: Number, Str: "-0"}, &u); len(errs) != 0 {
		t.Errorf("-0 into uint8: %v", errs)
	}
}

func TestDecodeMisuse(t *testing.T) {
	n := &Node{Kind: Object}
	var notPtr testPipe
	if errs := Decode(n, notPtr); len(errs) != 1 || !strings.Contains(errs[0].Msg, "non-nil pointer") {
		t.Errorf("non-pointer: %v", errs)
	}
	var ch chan int
	if errs := Decode(n, &ch); len(errs) != 1 || !strings.Contains(errs[0].Msg, "cannot decode into chan int") {
		t.Errorf("chan: %v", errs)
	}
	if errs := Decode(nil, &notPtr); len(errs) != 1 {
		t.Errorf("nil node: %v", errs)
	}
	cyc := &Node{Kind: Array}
	cyc.Items = []*Node{cyc}
	var anyv any
	if errs := Decode(cyc, &[]any{}); len(errs) != 1 || !strings.Contains(errs[0].Msg, "nesting too deep") {
		t.Errorf("cyclic tree: %v", errs)
	}
	if errs := Decode(cyc, &anyv); len(errs) != 1 || !strings.Contains(errs[0].Msg, "nesting too deep") {
		t.Errorf("cyclic tree into any: %v", errs)
	}
}

func TestErrorsFormatting(t *testing.T) {
	a := &Node{Pos: Pos{File: "b.json", Offset: 9, Line: 2, Col: 3}, Pointer: "/a~1b"}
	root := &Node{Pos: Pos{File: "b.json", Offset: 0, Line: 1, Col: 1}}
	other := &Node{Pos: Pos{File: "a.json", Offset: 50, Line: 4, Col: 1}, Pointer: "/x"}
	var es Errors
	if es.ErrOrNil() != nil {
		t.Error("empty Errors is not nil")
	}
	es.Warn(a, "deprecated %q", "k")
	if es.ErrOrNil() != nil {
		t.Error("warnings alone made ErrOrNil non-nil")
	}
	es.Add(a, "bad value %d", 1)
	es.Add(root, "missing %w", errors.New("thing"))
	es = append(es, Errorf(other, "elsewhere"))
	es.Sort()
	want := "a.json:4:1: /x: elsewhere\n" +
		"b.json:1:1: missing thing\n" +
		"b.json:2:3: /a~1b: warning: deprecated \"k\"\n" +
		"b.json:2:3: /a~1b: bad value 1"
	if err := es.ErrOrNil(); err == nil || err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
	fe := &FieldError{Field: "to", Err: errors.ErrUnsupported}
	if fe.Error() != "to: unsupported operation" || !errors.Is(fe, errors.ErrUnsupported) {
		t.Errorf("FieldError: %v", fe)
	}
}

func TestDecodeEmbedded(t *testing.T) {
	type inner struct {
		Name  string `json:"name"`
		Depth int    `json:"depth"`
	}
	type Retry testRetry
	type outer struct {
		*Retry        // flattened through a nil pointer: allocated on demand
		inner         // unexported embedded struct: exported fields still decode
		Name   string `json:"name"` // shallower field hides inner.Name
		Named  inner  `json:"named"`
	}
	root, err := Parse("e.json", []byte(`{"max_retries":2,"name":"outer","depth":3,"named":{"name":"n"}}`))
	if err != nil {
		t.Fatal(err)
	}
	var o outer
	if errs := Decode(root, &o); len(errs) != 0 {
		t.Fatalf("problems: %v", errs)
	}
	if o.Retry == nil || o.Max != 2 || o.Name != "outer" || o.inner.Name != "" || o.Depth != 3 || o.Named.Name != "n" {
		t.Errorf("decoded %+v (retry %+v)", o, o.Retry)
	}
	var untouched outer
	root, _ = Parse("e.json", []byte(`{"name":"x"}`))
	if errs := Decode(root, &untouched); len(errs) != 0 || untouched.Retry != nil {
		t.Errorf("embedded pointer allocated without its keys: %v %+v", errs, untouched)
	}
}

func TestDecodeHandBuiltHoles(t *testing.T) {
	n := &Node{Kind: Object, Members: []Member{{Key: "tags", Value: &Node{Kind: Array, Items: []*Node{nil}}}, {Key: "extra", Value: nil}}}
	var p struct {
		Tags  []string     `json:"tags"`
		List  StringOrList `json:"list"`
		Extra any          `json:"extra"`
	}
	if errs := Decode(n, &p); len(errs) != 2 || !strings.Contains(errs[0].Msg, "missing value") {
		t.Errorf("holes: %v", errs)
	}
	var l StringOrList
	if errs := Decode(&Node{Kind: Array, Items: []*Node{nil}}, &l); len(errs) != 1 {
		t.Errorf("StringOrList hole: %v", errs)
	}
}
