package dtl

import (
	"encoding/base64"
	"math"
	"math/big"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"
)

// AppendJSON appends the transit-encoded JSON form of v to dst.
func AppendJSON(dst []byte, v Value) []byte {
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
		return appendString(dst, "~f"+x.Text('f'))
	case string:
		return appendString(dst, ToTransit(x))
	case time.Time:
		return appendString(dst, "~t"+FormatDatetime(x))
	case NI:
		if x.NS == "" {
			return appendString(dst, "~:"+x.ID)
		}
		return appendString(dst, "~:"+x.NS+":"+x.ID)
	case URI:
		return appendString(dst, "~r"+string(x))
	case UUID:
		return appendString(dst, "~u"+string(x))
	case Bytes:
		return appendString(dst, "~b"+base64.StdEncoding.EncodeToString(x))
	case List:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendJSON(dst, e)
		}
		return append(dst, ']')
	case *Dict:
		dst = append(dst, '{')
		if x != nil {
			for i := range x.members {
				m := &x.members[i]
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = appendString(dst, m.key)
				dst = append(dst, ':')
				if m.raw != nil {
					dst = append(dst, m.raw...)
				} else {
					dst = AppendJSON(dst, m.val)
				}
			}
		}
		return append(dst, '}')
	}
	return append(dst, "null"...)
}

// EncodeJSON returns the transit-encoded JSON form of v.
func EncodeJSON(v Value) []byte { return AppendJSON(nil, v) }

// FormatDatetime renders a datetime the way transit encoding writes it:
// RFC 3339 in UTC with as many fractional digits as needed (up to 9).
func FormatDatetime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// ToTransit escapes a plain string that would otherwise read back as a
// typed value ("~t…" → "~~t…").
func ToTransit(s string) string {
	if len(s) >= 2 && s[0] == '~' {
		switch s[1] {
		case '~', 't', 'f', ':', 'r', 'u', 'b':
			return "~" + s
		}
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

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string, escaping what JSON requires.
// Invalid UTF-8 is replaced so the output is always valid JSON.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
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
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
