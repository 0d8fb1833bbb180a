package dtl

import (
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
)

// The URI family: is-uri, uri, url-quote, url-unquote; and the UUID
// family: uuid, is-uuid (fn_uuids would hold two functions only).

func init() {
	RegisterFunc(&Func{
		Name: "is-uri", Family: "uris",
		Args:    "VALUES(value-expression{1})",
		Doc:     "True if the value, or the first element of a list, is a URI.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["is-uri", ["uri", "foo:bar"]]`, Want: `true`},
			{Expr: `["is-uri", "foo:bar"]`, Want: `false`},
			{Expr: `["is-uri", ["list", ["uri", "foo:bar"], 12345]]`, Want: `true`},
			{Expr: `["is-uri", ["list", 1, ["uri", "foo:bar"]]]`, Want: `false`},
			{Expr: `["is-uri", "~rhttp://example.org/"]`, Want: `true`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			_, ok := First(args[0]).(URI)
			return ok, nil
		},
	})
	RegisterFunc(&Func{
		Name: "uri", Family: "uris",
		Args: "VALUES(value-expression{1})",
		// Decision: URIs pass through unchanged (casting a URI to a URI
		// is the identity).
		Doc:     "Casts each string in VALUES to a URI, without any escaping; URIs are kept, other values are dropped.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["uri", "http://www.example.org/"]`, Want: `"~rhttp://www.example.org/"`},
			{Expr: `["uri", ["list", "http://www.example.org/", "http://www.sesam.io/", 12345]]`,
				Want: `["~rhttp://www.example.org/", "~rhttp://www.sesam.io/"]`},
			{Expr: `["uri", "foo bar"]`, Want: `"~rfoo bar"`},
			{Expr: `["uri", ["uri", "foo:bar"]]`, Want: `"~rfoo:bar"`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			return MapValues(args[0], func(v Value) (Value, bool) {
				switch x := v.(type) {
				case string:
					return URI(x), true
				case URI:
					return x, true
				}
				return nil, false
			}), nil
		},
	})
	RegisterFunc(&Func{
		Name: "url-quote", Family: "uris",
		Args: "SAFE_CHARS(string{0|1}), VALUES(value-expression{1})",
		// Decision: like Python's urllib.parse.quote(s, safe=SAFE_CHARS):
		// letters, digits and "_.-~" are never encoded, everything else
		// is percent-encoded as UTF-8 with upper-case hex. Non-ASCII
		// characters in SAFE_CHARS are ignored; a SAFE_CHARS that is not
		// a string gives null.
		Doc: "Percent-encodes each string in VALUES (UTF-8, upper-case hex); letters, digits, \"_.-~\" and the ASCII characters in SAFE_CHARS (default \"\") are left as they are. " +
			"Other values, URIs included, are dropped.",
		MinArgs: 1, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["url-quote", "/foo bar/baz"]`, Want: `"%2Ffoo%20bar%2Fbaz"`},
			{Expr: `["url-quote", "/", "/foo bar/baz"]`, Want: `"/foo%20bar/baz"`},
			{Expr: `["url-quote", ["list", "å", 1, 2, ["uri", "http://example.com"], "foo bar"]]`, Want: `["%C3%A5", "foo%20bar"]`},
			{Expr: `["url-quote", "a-b_c.d~e+f&g=h"]`, Want: `"a-b_c.d~e%2Bf%26g%3Dh"`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			var safe [128]bool
			if len(args) == 2 {
				s, ok := First(args[0]).(string)
				if !ok {
					return nil, nil
				}
				for i := 0; i < len(s); i++ {
					if s[i] < utf8.RuneSelf {
						safe[s[i]] = true
					}
				}
			}
			return mapStrings(args[len(args)-1], func(s string) string { return urlQuote(s, &safe) }), nil
		},
	})
	RegisterFunc(&Func{
		Name: "url-unquote", Family: "uris",
		Args: "VALUES(value-expression{1})",
		// Decision: like Python's urllib.parse.unquote: "%XX" sequences
		// are decoded as UTF-8 (invalid sequences become U+FFFD), a "%"
		// not followed by two hex digits is kept, "+" is not a space.
		Doc:     "Decodes the percent-escapes in each string in VALUES (as UTF-8); other values, URIs included, are dropped.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["url-unquote", "%2Ffoo%20bar%2Fbaz"]`, Want: `"/foo bar/baz"`},
			{Expr: `["url-unquote", ["list", 1, "%C3%A5", ["uri", "http://example.com"], "foo%20bar"]]`, Want: `["å", "foo bar"]`},
			{Expr: `["url-unquote", "100%+a%2"]`, Want: `"100%+a%2"`},
			{Expr: `["url-unquote", "%FF"]`, Want: `"\ufffd"`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			return mapStrings(args[0], urlUnquote), nil
		},
	})
}

const upperHex = "0123456789ABCDEF"

// urlQuote percent-encodes s; safe marks extra ASCII bytes to keep.
func urlQuote(s string, safe *[128]bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < utf8.RuneSelf && (safe[c] || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_.-~", c) >= 0) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&0xf])
	}
	return b.String()
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// urlUnquote decodes %XX escapes; the decoded bytes are read as UTF-8 with
// invalid sequences replaced.
func urlUnquote(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				b = append(b, hi<<4|lo)
				i += 2
				continue
			}
		}
		b = append(b, s[i])
	}
	if utf8.Valid(b) {
		return string(b)
	}
	out := make([]byte, 0, len(b)+8)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			out = append(out, "\ufffd"...)
		} else {
			out = append(out, b[:size]...)
		}
		b = b[size:]
	}
	return string(out)
}

func init() {
	RegisterFunc(&Func{
		Name: "uuid", Family: "uuids",
		Args: "VALUES(value-expression{0|1})",
		// Decision: strings are read the way Python's uuid.UUID(str) reads
		// them: optional "urn:uuid:" prefix and braces, hyphens anywhere,
		// 32 hex digits in any case; the result is the canonical
		// lower-case form. UUIDs pass through; everything else is dropped.
		Doc: "Without arguments, returns a new random (version 4) UUID. With VALUES, casts each string holding a UUID to a UUID value; " +
			"UUIDs are kept, other values are dropped. Non-deterministic without arguments.",
		MinArgs: 0, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["is-uuid", ["uuid"]]`, Want: `true`},
			{Expr: `["uuid", "abc98f65-ddf5-1234-a8f5-82f6d8e69726"]`, Want: `"~uabc98f65-ddf5-1234-a8f5-82f6d8e69726"`},
			// The reference shows the first result ending in "e69726"
			// although its input ends in "e601a8"; a cast keeps the digits.
			{Expr: `["uuid", ["list", "abc98f65-ddf5-1234-a8f5-82f6d8e601a8", 2, "9f598f65-eea5-4906-a8f5-82f6d8e69726"]]`,
				Want: `["~uabc98f65-ddf5-1234-a8f5-82f6d8e601a8", "~u9f598f65-eea5-4906-a8f5-82f6d8e69726"]`},
			{Expr: `["uuid", ["list", "{ABC98F65-DDF5-1234-A8F5-82F6D8E601A8}", "urn:uuid:abc98f65ddf51234a8f582f6d8e601a8", "abc98f65-ddf5"]]`,
				Want: `["~uabc98f65-ddf5-1234-a8f5-82f6d8e601a8", "~uabc98f65-ddf5-1234-a8f5-82f6d8e601a8"]`},
			{Expr: `["eq", ["uuid"], ["uuid"]]`, Want: `false`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			if len(args) == 0 {
				return newRandomUUID()
			}
			return MapValues(args[0], func(v Value) (Value, bool) {
				switch x := v.(type) {
				case UUID:
					return x, true
				case string:
					if u, ok := castUUID(x); ok {
						return u, true
					}
				}
				return nil, false
			}), nil
		},
	})
	RegisterFunc(&Func{
		Name: "is-uuid", Family: "uuids",
		Args:    "VALUES(value-expression{1})",
		Doc:     "True if the value, or the first element of a list, is a UUID.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["is-uuid", ["uuid"]]`, Want: `true`},
			{Expr: `["is-uuid", "~u9f598f65-eea5-4906-a8f5-82f6d8e69726"]`, Want: `true`},
			{Expr: `["is-uuid", "some-string"]`, Want: `false`},
			{Expr: `["is-uuid", ["list", ["uuid"], "12345"]]`, Want: `true`},
			{Expr: `["is-uuid", ["list", "12345", ["uuid"]]]`, Want: `false`},
			{Expr: `["is-uuid", "9f598f65-eea5-4906-a8f5-82f6d8e69726"]`, Want: `false`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			_, ok := First(args[0]).(UUID)
			return ok, nil
		},
	})
}

func newRandomUUID() (Value, error) {
	u, err := uuid.NewRandom()
	if err != nil {
		return nil, Errorf("uuid: %v", err)
	}
	return UUID(u.String()), nil
}

// castUUID reads a UUID string as Python's uuid.UUID does.
func castUUID(s string) (UUID, bool) {
	s = strings.ReplaceAll(s, "urn:", "")
	s = strings.ReplaceAll(s, "uuid:", "")
	s = strings.Trim(s, "{}")
	s = strings.ReplaceAll(s, "-", "")
	if len(s) != 32 {
		return "", false
	}
	var b [36]byte
	j := 0
	for i := 0; i < 32; i++ {
		if i == 8 || i == 12 || i == 16 || i == 20 {
			b[j] = '-'
			j++
		}
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		case c >= 'A' && c <= 'F':
			c += 'a' - 'A'
		default:
			return "", false
		}
		b[j] = c
		j++
	}
	return UUID(b[:]), true
}
