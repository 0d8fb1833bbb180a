package dtl

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// The JSON family: json, json-transit, json-parse, json-transit-parse.
//
// The text the serialising functions produce follows Python's json.dumps
// with sort_keys=True, which is what Sesam shows: ", " between items, ": "
// after keys, keys sorted. Non-ASCII characters are written as they are
// (UTF-8), not as \u escapes: the result is a DTL string, not bytes on a
// wire, and a user reading "æøå" back expects "æøå".

func init() {
	RegisterFunc(&Func{
		Name: "json", Family: "json",
		Args: "VALUES(value-expression{1})",
		Doc: "Translates each value in VALUES to a JSON string (no transit encoding); dict keys are sorted. " +
			"Typed values are written as plain JSON strings (datetimes in ISO form, NIs as \"ns:id\", bytes as base64); decimals as JSON numbers.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["json", 1]`, Want: `"1"`},
			{Expr: `["json", "hello"]`, Want: `"\"hello\""`},
			// The reference shows the URI as "http://www.example.org/"
			// without JSON quotes; a JSON string needs them, and
			// ["json-parse", ["json", X]] must give X back.
			{Expr: `["json", ["list", "abc", ["list", 1, 2, 3], {"b": 2, "a": 1}, ["uri", "http://www.example.org/"], 124.4, 12345]]`,
				Want: `["\"abc\"", "[1, 2, 3]", "{\"a\": 1, \"b\": 2}", "\"http://www.example.org/\"", "124.4", "12345"]`},
			{Expr: `["json", {"d": "~t2015-07-28T09:46:00.12345Z", "f": "~f1.50", "n": "~:foo:bar", "x": 2.0, "s": "~~t"}]`,
				Want: `"{\"d\": \"2015-07-28T09:46:00.12345Z\", \"f\": 1.50, \"n\": \"foo:bar\", \"s\": \"~t\", \"x\": 2.0}"`},
			{Expr: `["json", ["list", null, true, "æ"]]`, Want: `["null", "true", "\"æ\""]`},
			{Expr: `["json", null]`, Want: `null`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			return MapValues(args[0], func(v Value) (Value, bool) {
				return string(appendPyJSON(nil, v, false)), true
			}), nil
		},
	})
	RegisterFunc(&Func{
		Name: "json-transit", Family: "json",
		Args:    "VALUES(value-expression{1})",
		Doc:     "Translates each value in VALUES to a transit-encoded JSON string; dict keys are sorted. Like json, but typed values keep their transit form (\"~t…\", \"~f…\", \"~r…\", …).",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["json-transit", 1]`, Want: `"1"`},
			{Expr: `["json-transit", "hello"]`, Want: `"\"hello\""`},
			// The reference shows the URI unquoted ("~rhttp://…"); a
			// transit-encoded JSON string is quoted like any other.
			{Expr: `["json-transit", ["list", "abc", ["list", 1, 2, 3], {"b": 2, "a": 1}, ["uri", "http://www.example.org/"], 124.4, 12345]]`,
				Want: `["\"abc\"", "[1, 2, 3]", "{\"a\": 1, \"b\": 2}", "\"~rhttp://www.example.org/\"", "124.4", "12345"]`},
			{Expr: `["json-transit", {"d": "~t2015-07-28T09:46:00Z", "f": "~f1.5", "n": "~:foo:bar", "s": "~~t"}]`,
				Want: `"{\"d\": \"~t2015-07-28T09:46:00Z\", \"f\": \"~f1.5\", \"n\": \"~:foo:bar\", \"s\": \"~~t\"}"`},
			{Expr: `["json-transit-parse", ["json-transit", ["list", ["list", "~t2015-07-28T09:46:00Z", "~bYWJj", "~u9f598f65-eea5-4906-a8f5-82f6d8e69726"]]]]`,
				Want: `[["~t2015-07-28T09:46:00Z", "~bYWJj", "~u9f598f65-eea5-4906-a8f5-82f6d8e69726"]]`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			return MapValues(args[0], func(v Value) (Value, bool) {
				return string(appendPyJSON(nil, v, true)), true
			}), nil
		},
	})
	RegisterFunc(&Func{
		Name: "json-parse", Family: "json",
		Args: "FUNCTION(default-value-expression{0|1}), VALUES(value-expression{1})",
		Doc: "Parses each string (or UTF-8 bytes) in VALUES as JSON, without transit decoding. Values that are not valid JSON are dropped, " +
			"or replaced by the DEFAULT expression when given (evaluated with _ bound to the bad value).",
		MinArgs: 1, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["json-parse", "1"]`, Want: `1`},
			{Expr: `["json-parse", "\"hello\""]`, Want: `"hello"`},
			{Expr: `["is-uri", ["json-parse", "\"~rhttp://www.example.org/\""]]`, Want: `false`},
			{Expr: `["json-parse", "{\"a\": 1, \"b\": 2}"]`, Want: `{"a": 1, "b": 2}`},
			{Expr: `["json-parse", "hello"]`, Want: `null`},
			// "~rhttp://example.org/" stays a string; in transit-encoded
			// output a string starting with "~r" is escaped as "~~r".
			{Expr: `["json-parse", ["list", "hello", "123", "null", "\"abc\"", "\"~rhttp://example.org/\""]]`,
				Want: `[123, null, "abc", "~~rhttp://example.org/"]`},
			{Expr: `["json-parse", "no-value", "hello"]`, Want: `"no-value"`},
			{Expr: `["json-parse", "no-value", "null"]`, Want: `null`},
			{Expr: `["json-parse", ["concat", "bad: ", "_."], ["list", "1", "[1,", 2]]`, Want: `[1, "bad: [1,", "bad: "]`},
			{Expr: `["json-parse", ["list", "1.0", "1e2", "123456789012345678901234567890", "{\"b\": [true], \"a\": {}}"]]`,
				Want: `[1.0, 100.0, 123456789012345678901234567890, {"b": [true], "a": {}}]`},
			{Expr: `["json-parse", "1 2"]`, Want: `null`},
		},
		Lazy: func(c *Ctx, args []Expr) (Value, error) {
			return jsonParseLazy(c, args, parsePlainJSON)
		},
	})
	RegisterFunc(&Func{
		Name: "json-transit-parse", Family: "json",
		Args: "FUNCTION(default-value-expression{0|1}), VALUES(value-expression{1})",
		Doc: "Parses each string (or UTF-8 bytes) in VALUES as transit-encoded JSON. Values that are not valid JSON are dropped, " +
			"or replaced by the DEFAULT expression when given (evaluated with _ bound to the bad value).",
		MinArgs: 1, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["json-transit-parse", "1"]`, Want: `1`},
			{Expr: `["json-transit-parse", "\"hello\""]`, Want: `"hello"`},
			{Expr: `["is-uri", ["json-transit-parse", "\"~rhttp://www.example.org/\""]]`, Want: `true`},
			{Expr: `["json-transit-parse", "hello"]`, Want: `null`},
			{Expr: `["json-transit-parse", ["list", "hello", "123", "null", "\"abc\"", "\"~rhttp://example.org/\""]]`,
				Want: `[123, null, "abc", "~rhttp://example.org/"]`},
			{Expr: `["json-transit-parse", "no-value", "~rhttp://example.org/"]`, Want: `"no-value"`},
			{Expr: `["is-uri", ["json-transit-parse", "no-value", "\"~rhttp://example.org/\""]]`, Want: `true`},
			{Expr: `["json-transit-parse", "{\"t\": \"~t2015-07-28T09:46:00Z\", \"s\": \"~~r\"}"]`,
				Want: `{"t": "~t2015-07-28T09:46:00Z", "s": "~~r"}`},
		},
		Lazy: func(c *Ctx, args []Expr) (Value, error) {
			return jsonParseLazy(c, args, parseTransitJSON)
		},
	})
}

// jsonParseLazy maps parse over VALUES (the last argument); values that do
// not parse are dropped, or replaced by the default expression (the first
// of two arguments), which is only evaluated when needed.
//
// Decision: non-string values (other than bytes, which are read as UTF-8
// JSON text like Python's json.loads does) count as "not valid JSON" and
// get the default too; a null VALUES gives null, as everywhere.
func jsonParseLazy(c *Ctx, args []Expr, parse func([]byte) (Value, bool)) (Value, error) {
	return mapWithDefault(c, args, func(v Value) (Value, bool, error) {
		var text []byte
		switch x := v.(type) {
		case string:
			text = []byte(x)
		case Bytes:
			text = x
		default:
			return nil, false, nil
		}
		if err := c.Step(len(text) / 64); err != nil {
			return nil, false, err
		}
		r, ok := parse(text)
		return r, ok, nil
	})
}

// parseTransitJSON reads transit-encoded JSON with the package decoder.
func parseTransitJSON(b []byte) (Value, bool) {
	v, err := DecodeJSON(b)
	return v, err == nil
}

// parsePlainJSON reads JSON without transit decoding: "~t…" stays a
// string. Members keep their order; a repeated key keeps the last value,
// as Python's json.loads does.
func parsePlainJSON(b []byte) (Value, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := plainJSONValue(dec, 0)
	if err != nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	return v, true
}

var errPlainJSON = errors.New("invalid JSON")

func plainJSONValue(dec *json.Decoder, depth int) (Value, error) {
	if depth > 1000 {
		return nil, errPlainJSON
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case nil:
		return nil, nil
	case bool:
		return t, nil
	case string:
		return t, nil
	case json.Number:
		return ParseNumber(string(t), strings.ContainsAny(string(t), ".eE"))
	case json.Delim:
		switch t {
		case '[':
			l := List{}
			for dec.More() {
				v, err := plainJSONValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				l = append(l, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return l, nil
		case '{':
			d := NewDict(4)
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, errPlainJSON
				}
				v, err := plainJSONValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				d.Set(k, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return d, nil
		}
	}
	return nil, errPlainJSON
}

// pyJSON is the layout of Python's json.dumps(v, sort_keys=True).
var pyJSON = encodeOptions{spaced: true, sortKeys: true, shortEscapes: true, niColon: true}

// appendPyJSON writes v as JSON the way Python's json.dumps(v,
// sort_keys=True) lays it out. With transit, strings and typed values get
// their transit encoding; without, typed values become plain JSON strings
// (decimals plain JSON numbers).
func appendPyJSON(dst []byte, v Value, transit bool) []byte {
	o := pyJSON
	o.plain = !transit
	return o.append(dst, v)
}

// appendPyString writes s as a JSON string the way Python's json module
// does.
func appendPyString(dst []byte, s string) []byte { return pyJSON.appendString(dst, "", s) }
