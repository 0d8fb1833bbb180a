package dtl

import (
	"encoding/base64"
	"strings"
)

// The bytes family: bytes, is-bytes, base64-encode, base64-decode.

func init() {
	RegisterFunc(&Func{
		Name: "bytes", Family: "bytes",
		Args: "VALUES(value-expression{1})",
		// Decision: bytes values pass through unchanged (casting bytes to
		// bytes is the identity); other non-strings are dropped.
		Doc:     "Translates each string in VALUES to bytes using UTF-8; bytes are kept, other values are dropped.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["bytes", "abc"]`, Want: `"~bYWJj"`},
			{Expr: `["bytes", ["list", "æ", 1, null, "~bYWJj"]]`, Want: `["~bw6Y=", "~bYWJj"]`},
			{Expr: `["bytes", null]`, Want: `null`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			return MapValues(args[0], func(v Value) (Value, bool) {
				switch x := v.(type) {
				case string:
					return Bytes(x), true
				case Bytes:
					return x, true
				}
				return nil, false
			}), nil
		},
	})
	RegisterFunc(&Func{
		Name: "is-bytes", Family: "bytes",
		Args:    "VALUES(value-expression{1})",
		Doc:     "True if the value, or the first element of a list, is bytes.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["is-bytes", ["bytes", "abc"]]`, Want: `true`},
			{Expr: `["is-bytes", "~bYWJj"]`, Want: `true`},
			{Expr: `["is-bytes", "some-string"]`, Want: `false`},
			{Expr: `["is-bytes", ["list", "~bYWJj", "12345"]]`, Want: `true`},
			{Expr: `["is-bytes", ["list", "12345", "~bYWJj"]]`, Want: `false`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			_, ok := First(args[0]).(Bytes)
			return ok, nil
		},
	})
	RegisterFunc(&Func{
		Name: "base64-encode", Family: "bytes",
		Args:    "VALUES(value-expression{1})",
		Doc:     "Returns the standard base64 encoding (with padding) of each bytes value in VALUES; other values are dropped.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["base64-encode", ["bytes", "abc"]]`, Want: `"YWJj"`},
			{Expr: `["base64-encode", ["list", 1, ["bytes", "abc"], 2, ["bytes", "def"], 3]]`, Want: `["YWJj", "ZGVm"]`},
			{Expr: `["base64-encode", ["bytes", "ab"]]`, Want: `"YWI="`},
			{Expr: `["base64-encode", "abc"]`, Want: `null`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			return MapValues(args[0], func(v Value) (Value, bool) {
				b, ok := v.(Bytes)
				if !ok {
					return nil, false
				}
				return base64.StdEncoding.EncodeToString(b), true
			}), nil
		},
	})
	RegisterFunc(&Func{
		Name: "base64-decode", Family: "bytes",
		Args: "VALUES(value-expression{1})",
		// Decision: line breaks and spaces are ignored (MIME-style
		// wrapped base64 is common), padding may be left out, and the
		// URL-safe alphabet ("-", "_") is accepted too.
		Doc:     "Returns the bytes that each base64-encoded string in VALUES decodes to; non-strings and strings that are not base64 are dropped.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			// The reference prints the result as "~babc"; the transit
			// form of the bytes "abc" is "~bYWJj".
			{Expr: `["base64-decode", "YWJj"]`, Want: `"~bYWJj"`},
			{Expr: `["base64-decode", ["list", 1, "YWJj", 2, "ZGVm", 3]]`, Want: `["~bYWJj", "~bZGVm"]`},
			{Expr: `["base64-decode", ["list", "YWI", "YW\nI=", "-_8=", "not base64!"]]`, Want: `["~bYWI=", "~bYWI=", "~b+/8="]`},
			{Expr: `["string", ["base64-decode", "aGVsbG8="]]`, Want: `"hello"`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			return MapValues(args[0], func(v Value) (Value, bool) {
				s, ok := v.(string)
				if !ok {
					return nil, false
				}
				b, ok := decodeBase64Lenient(s)
				if !ok {
					return nil, false
				}
				return b, true
			}), nil
		},
	})
}

// decodeBase64Lenient decodes standard or URL-safe base64, with or without
// padding, ignoring ASCII white space.
func decodeBase64Lenient(s string) (Bytes, bool) {
	if strings.ContainsAny(s, " \t\r\n") {
		s = strings.Map(func(r rune) rune {
			switch r {
			case ' ', '\t', '\r', '\n':
				return -1
			}
			return r
		}, s)
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return Bytes(b), true
		}
	}
	return nil, false
}
