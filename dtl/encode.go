package dtl

import (
	"encoding/base64"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"
)

// AppendJSON appends the transit-encoded JSON form of v to dst.
func AppendJSON(dst []byte, v Value) []byte { return encodeOptions{}.append(dst, v) }

// EncodeJSON returns the transit-encoded JSON form of v.
func EncodeJSON(v Value) []byte { return AppendJSON(nil, v) }

// FormatDatetime renders a datetime the way transit encoding writes it:
// RFC 3339 in UTC with as many fractional digits as needed (up to 9).
func FormatDatetime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// ToTransit escapes a plain string that would otherwise read back as a
// typed value ("~t…" → "~~t…").
func ToTransit(s string) string {
	if e := transitEscape(s); e != "" {
		return e + s
	}
	return s
}

// appendFloat writes a float the way Python's json module does, so floats
// stay floats when read back: 2.0, not 2. NaN and infinities have no JSON
// form and become null.
func appendFloat(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	abs := math.Abs(f)
	if abs != 0 && (abs < 1e-4 || abs >= 1e16) {
		return strconv.AppendFloat(dst, f, 'e', -1, 64)
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
	for _, c := range dst[start:] {
		if c == '.' {
			return dst
		}
	}
	return append(dst, ".0"...)
}

// encodeOptions is how a value is written as JSON. The zero value is the
// compact transit encoding entities leave the DTL in; the json functions
// ask for Python's json.dumps layout instead (pyJSON in fn_json.go).
type encodeOptions struct {
	// spaced writes ", " between items and ": " after keys, not "," and ":".
	spaced bool
	// sortKeys writes dict members in key order, not in their own order.
	sortKeys bool
	// plain drops the transit encoding: typed values become plain strings
	// (datetimes in ISO form, NIs as "ns:id", bytes as base64), decimals
	// JSON numbers, and strings starting with '~' are not escaped.
	plain bool
	// shortEscapes writes \b and \f, as Python does, not \u0008 and \u000c.
	shortEscapes bool
	// niColon writes an NI without a namespace with its ':' all the same
	// ("~::id", plain ":id"), as the json functions always have; it reads
	// back as the same NI.
	niColon bool
}

// append writes v to dst as o says. Decimals, datetimes and base64 are
// ASCII that needs no escaping, so they are written in place, not built as
// strings first.
func (o encodeOptions) append(dst []byte, v Value) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...)
	case bool:
		if x {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case int64:
		return strconv.AppendInt(dst, x, 10)
	case *big.Int:
		return x.Append(dst, 10)
	case float64:
		return appendFloat(dst, x)
	case *apd.Decimal:
		if o.plain {
			return x.Append(dst, 'f')
		}
		dst = append(dst, `"~f`...)
		return append(x.Append(dst, 'f'), '"')
	case string:
		return o.appendString(dst, o.tag(transitEscape(x)), x)
	case time.Time:
		dst = append(append(dst, '"'), o.tag("~t")...)
		return append(x.UTC().AppendFormat(dst, time.RFC3339Nano), '"')
	case NI:
		dst = append(append(dst, '"'), o.tag("~:")...)
		if x.NS != "" || o.niColon {
			dst = o.appendEscaped(dst, x.NS)
			dst = append(dst, ':')
		}
		return append(o.appendEscaped(dst, x.ID), '"')
	case URI:
		return o.appendString(dst, o.tag("~r"), string(x))
	case UUID:
		return o.appendString(dst, o.tag("~u"), string(x))
	case Bytes:
		dst = append(append(dst, '"'), o.tag("~b")...)
		return append(base64.StdEncoding.AppendEncode(dst, x), '"')
	case List:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = o.comma(dst)
			}
			dst = o.append(dst, e)
		}
		return append(dst, ']')
	case *Dict:
		return o.appendDict(dst, x)
	}
	return append(dst, "null"...)
}

// appendDict writes a dict. Raw members are the input's own transit JSON,
// so only the default form copies them as they are; any other form decodes
// them (in place, as reading a member does).
func (o encodeOptions) appendDict(dst []byte, x *Dict) []byte {
	dst = append(dst, '{')
	if x == nil {
		return append(dst, '}')
	}
	var small [16]int // the order of a small dict needs no allocation
	var order []int
	if o.sortKeys {
		order = small[:0]
		for i := range x.members {
			order = append(order, i)
		}
		slices.SortFunc(order, func(a, b int) int { return strings.Compare(x.members[a].key, x.members[b].key) })
	}
	copyRaw := o == encodeOptions{}
	for n := range x.members {
		i := n
		if order != nil {
			i = order[n]
		}
		if n > 0 {
			dst = o.comma(dst)
		}
		m := &x.members[i]
		dst = o.appendString(dst, "", m.key)
		dst = append(dst, ':')
		if o.spaced {
			dst = append(dst, ' ')
		}
		if m.raw != nil && copyRaw {
			dst = append(dst, m.raw...)
		} else {
			dst = o.append(dst, x.At(i))
		}
	}
	return append(dst, '}')
}

// comma separates list items and dict members.
func (o encodeOptions) comma(dst []byte) []byte {
	if o.spaced {
		return append(dst, ',', ' ')
	}
	return append(dst, ',')
}

// tag is the transit tag to write before a value's text: none when plain.
func (o encodeOptions) tag(t string) string {
	if o.plain {
		return ""
	}
	return t
}

// transitEscape is the "~" ToTransit puts before s, if any.
func transitEscape(s string) string {
	if len(s) >= 2 && s[0] == '~' {
		switch s[1] {
		case '~', 't', 'f', ':', 'r', 'u', 'b':
			return "~"
		}
	}
	return ""
}

// appendString writes tag+s as a JSON string; tag is a transit tag, which
// needs no escaping.
func (o encodeOptions) appendString(dst []byte, tag, s string) []byte {
	dst = append(dst, '"')
	if tag != "" {
		dst = append(dst, tag...)
	}
	return append(o.appendEscaped(dst, s), '"')
}

const hexDigits = "0123456789abcdef"

// asIs marks the bytes a JSON string may hold as they are: ASCII that is
// not a quote, a backslash or a control character.
var asIs = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendEscaped writes s with the escapes a JSON string needs; other
// characters are left as UTF-8, not \u escapes. Invalid UTF-8 becomes
// U+FFFD so the output is always valid JSON.
func (o encodeOptions) appendEscaped(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		if asIs[s[i]] {
			i++
			continue
		}
		if c := s[i]; c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c == '\b' && o.shortEscapes:
				dst = append(dst, '\\', 'b')
			case c == '\f' && o.shortEscapes:
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\ufffd"...)
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(dst, s[start:]...)
}
