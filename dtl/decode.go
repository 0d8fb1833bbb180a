package dtl

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"sync"
	"time"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/cockroachdb/apd/v3"
)

// maxNesting bounds how deep decoded JSON may nest, so hostile input cannot
// exhaust the stack.
const maxNesting = 1000

var errSyntax = errors.New("invalid JSON")

// plainByte marks the bytes a JSON string may hold as they are: not a
// quote, not a backslash, not a control character. Strings are scanned by
// skipping runs of these.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// DecodeEntity decodes a JSON object into a Dict whose members stay raw
// until read. The input must be valid JSON (entities are checked where they
// enter sluice); malformed members decode as null when read. The dict
// refers to b (keys and raw members are not copied), so b must not change
// while the dict or anything taken from it is in use.
func DecodeEntity(b []byte) (*Dict, error) {
	return decodeEntityInto(&Dict{members: make([]member, 0, 16)}, b)
}

// decodeEntityInto is DecodeEntity into an empty dict whose memory is
// reused.
func decodeEntityInto(dict *Dict, b []byte) (*Dict, error) {
	d := entityDecoders.Get().(*decoder)
	*d = decoder{b: b, borrow: true, keys: d.keys[:0]}
	defer func() {
		clear(d.keys[:cap(d.keys)])
		*d = decoder{keys: d.keys[:0]}
		entityDecoders.Put(d)
	}()
	d.ws()
	if d.i >= len(d.b) || d.b[d.i] != '{' {
		return nil, fmt.Errorf("an entity must be a JSON object")
	}
	err := d.members(func(k string) error {
		start := d.i
		if err := d.skip(0); err != nil {
			return err
		}
		if dict.find(k) >= 0 {
			return fmt.Errorf("duplicate key %q", k)
		}
		dict.push(member{key: k, raw: d.b[start:d.i]})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return dict, d.end()
}

// members reads an object whose '{' is at the cursor, calling each with
// the cursor on a member's value (after its key and colon); each must
// move past the value.
func (d *decoder) members(each func(key string) error) error {
	d.i++
	d.ws()
	if d.peek() == '}' {
		d.i++
		return nil
	}
	for {
		d.ws()
		k, err := d.str()
		if err != nil {
			return err
		}
		d.ws()
		if d.peek() != ':' {
			return errSyntax
		}
		d.i++
		d.ws()
		if err := each(k); err != nil {
			return err
		}
		d.ws()
		switch d.peek() {
		case ',':
			d.i++
		case '}':
			d.i++
			return nil
		default:
			return errSyntax
		}
	}
}

// elements reads an array whose '[' is at the cursor, calling each with
// the cursor on an element; each must move past it.
func (d *decoder) elements(each func() error) error {
	d.i++
	d.ws()
	if d.peek() == ']' {
		d.i++
		return nil
	}
	for {
		d.ws()
		if err := each(); err != nil {
			return err
		}
		d.ws()
		switch d.peek() {
		case ',':
			d.i++
		case ']':
			d.i++
			return nil
		default:
			return errSyntax
		}
	}
}

// end checks that nothing but white space follows the value.
func (d *decoder) end() error {
	d.ws()
	if d.i != len(d.b) {
		return errSyntax
	}
	return nil
}

// DecodeJSON decodes one JSON value fully into a Value, with transit-encoded
// strings turned into their types.
func DecodeJSON(b []byte) (Value, error) {
	d := &decoder{b: b}
	d.ws()
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	d.ws()
	if d.i != len(d.b) {
		return nil, errSyntax
	}
	return v, nil
}

// decodeRaw decodes a raw member. The common scalars — plain strings and
// small integers — take a short path; everything else goes through the
// full decoder.
func decodeRaw(b []byte) (Value, error) {
	if n := len(b); n >= 2 && b[0] == '"' && b[n-1] == '"' && b[1] != '~' && skipPlain(b, 1) == n-1 {
		return string(b[1 : n-1]), nil
	}
	if n := len(b); n > 0 && n < 19 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9') {
		if v, ok := smallInt(b); ok {
			return v, nil
		}
	}
	return DecodeJSON(b)
}

// smallInt parses an integer literal that fits int64 comfortably.
func smallInt(b []byte) (int64, bool) {
	neg := b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || (b[0] == '0' && len(b) > 1) {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

type decoder struct {
	b      []byte
	i      int
	borrow bool     // strings without escapes may refer to b instead of copying
	keys   []string // keys of the objects being skipped, innermost last
}

// entityDecoders recycles the decoders of DecodeEntity with their key
// scratch space.
var entityDecoders = sync.Pool{New: func() any { return &decoder{keys: make([]string, 0, 16)} }}

func (d *decoder) peek() byte {
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

func (d *decoder) ws() {
	b, i := d.b, d.i
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	d.i = i
}

// skipPlain returns the index of the first byte at or after i that is not
// a plain string byte (kept in locals so the loop stays in registers).
func skipPlain(b []byte, i int) int {
	for i < len(b) && plainByte[b[i]] {
		i++
	}
	return i
}

func (d *decoder) value(depth int) (Value, error) {
	if depth > maxNesting {
		return nil, fmt.Errorf("JSON nests deeper than %d levels", maxNesting)
	}
	switch c := d.peek(); {
	case c == '{':
		dict := NewDict(4)
		err := d.members(func(k string) error {
			v, err := d.value(depth + 1)
			if err != nil {
				return err
			}
			if dict.Has(k) {
				return fmt.Errorf("duplicate key %q", k)
			}
			dict.push(member{key: k, val: v})
			return nil
		})
		return dict, err
	case c == '[':
		l := List{}
		err := d.elements(func() error {
			v, err := d.value(depth + 1)
			l = append(l, v)
			return err
		})
		return l, err
	case c == '"':
		s, err := d.str()
		if err != nil {
			return nil, err
		}
		return FromTransit(s), nil
	case c == 't':
		return true, d.lit("true")
	case c == 'f':
		return false, d.lit("false")
	case c == 'n':
		return nil, d.lit("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	}
	return nil, errSyntax
}

func (d *decoder) lit(s string) error {
	if len(d.b)-d.i < len(s) || string(d.b[d.i:d.i+len(s)]) != s {
		return errSyntax
	}
	d.i += len(s)
	return nil
}

func (d *decoder) number() (Value, error) {
	start := d.i
	if err := d.skipNumber(); err != nil {
		return nil, err
	}
	lit := d.b[start:d.i]
	return ParseNumber(string(lit), bytes.ContainsAny(lit, ".eE"))
}

// ParseNumber turns a JSON number literal into an int64, *big.Int or float64.
func ParseNumber(s string, isFloat bool) (Value, error) {
	if !isFloat {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, nil
		}
		b, ok := new(big.Int).SetString(s, 10)
		if !ok {
			return nil, errSyntax
		}
		return b, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return f, nil
		}
		return nil, errSyntax
	}
	return f, nil
}

// str reads a JSON string at the cursor.
func (d *decoder) str() (string, error) {
	if d.peek() != '"' {
		return "", errSyntax
	}
	d.i++
	start := d.i
	for d.i < len(d.b) {
		d.i = skipPlain(d.b, d.i)
		if d.i >= len(d.b) {
			break
		}
		c := d.b[d.i]
		if c == '"' {
			var s string
			switch {
			case d.i == start:
			case d.borrow:
				s = unsafe.String(&d.b[start], d.i-start)
			default:
				s = string(d.b[start:d.i])
			}
			d.i++
			return s, nil
		}
		if c == '\\' {
			return d.escapedStr(start)
		}
		if c < 0x20 {
			return "", errSyntax
		}
		d.i++
	}
	return "", errSyntax
}

func (d *decoder) escapedStr(start int) (string, error) {
	out := append([]byte(nil), d.b[start:d.i]...)
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			return string(out), nil
		case c == '\\':
			if d.i+1 >= len(d.b) {
				return "", errSyntax
			}
			e := d.b[d.i+1]
			d.i += 2
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, ok := d.hex4()
				if !ok {
					return "", errSyntax
				}
				if utf16.IsSurrogate(r) {
					// A high surrogate pairs with a following \u low
					// surrogate; anything else leaves it unpaired (U+FFFD)
					// and is read on its own.
					paired := utf8.RuneError
					if d.i+1 < len(d.b) && d.b[d.i] == '\\' && d.b[d.i+1] == 'u' {
						save := d.i
						d.i += 2
						if x, ok := d.hex4(); ok && utf16.DecodeRune(r, x) != utf8.RuneError {
							paired = utf16.DecodeRune(r, x)
						} else {
							d.i = save
						}
					}
					r = paired
				}
				out = utf8.AppendRune(out, r)
			default:
				return "", errSyntax
			}
		case c < 0x20:
			return "", errSyntax
		default:
			out = append(out, c)
			d.i++
		}
	}
	return "", errSyntax
}

func (d *decoder) hex4() (rune, bool) {
	if d.i+4 > len(d.b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(d.b[d.i:d.i+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	d.i += 4
	return rune(n), true
}

// skip moves past one JSON value without building it, checking its
// syntax on the way so that raw members are always valid JSON.
func (d *decoder) skip(depth int) error {
	if depth > maxNesting {
		return fmt.Errorf("JSON nests deeper than %d levels", maxNesting)
	}
	switch c := d.peek(); {
	case c == '"':
		d.i++
		for d.i < len(d.b) {
			d.i = skipPlain(d.b, d.i)
			if d.i >= len(d.b) {
				break
			}
			switch c := d.b[d.i]; {
			case c == '\\':
				if d.i+1 >= len(d.b) {
					return errSyntax
				}
				switch d.b[d.i+1] {
				case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
					d.i += 2
				case 'u':
					d.i += 2
					if _, ok := d.hex4(); !ok {
						return errSyntax
					}
				default:
					return errSyntax
				}
				continue
			case c == '"':
				d.i++
				return nil
			case c < 0x20:
				return errSyntax
			}
			d.i++
		}
		return errSyntax
	case c == '{':
		// Keys are checked for duplicates here too, so raw members are
		// JSON every reader reads the same way.
		base := len(d.keys)
		err := d.members(func(k string) error {
			for _, prev := range d.keys[base:] {
				if prev == k {
					return fmt.Errorf("duplicate key %q", k)
				}
			}
			d.keys = append(d.keys, k)
			return d.skip(depth + 1)
		})
		d.keys = d.keys[:base]
		return err
	case c == '[':
		return d.elements(func() error { return d.skip(depth + 1) })
	case c == 't':
		return d.lit("true")
	case c == 'f':
		return d.lit("false")
	case c == 'n':
		return d.lit("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return d.skipNumber()
	}
	return errSyntax
}

// skipNumber checks JSON's number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *decoder) skipNumber() error {
	digits := func() int {
		n := 0
		for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
			d.i++
			n++
		}
		return n
	}
	if d.peek() == '-' {
		d.i++
	}
	if d.peek() == '0' {
		d.i++
	} else if digits() == 0 {
		return errSyntax
	}
	if d.peek() == '.' {
		d.i++
		if digits() == 0 {
			return errSyntax
		}
	}
	if c := d.peek(); c == 'e' || c == 'E' {
		d.i++
		if c := d.peek(); c == '+' || c == '-' {
			d.i++
		}
		if digits() == 0 {
			return errSyntax
		}
	}
	return nil
}

// FromTransit turns a transit-encoded string into its typed value: "~t…"
// datetime, "~f…" decimal, "~:ns:id" NI, "~r…" URI, "~u…" UUID, "~b…"
// bytes, "~~…" an escaped string. Anything else (including a malformed
// "~t") stays a plain string.
func FromTransit(s string) Value {
	if len(s) < 2 || s[0] != '~' {
		return s
	}
	body := s[2:]
	switch s[1] {
	case '~':
		return s[1:]
	case 't':
		if t, err := ParseDatetime(body); err == nil {
			return t
		}
	case 'f':
		if dec, _, err := apd.NewFromString(body); err == nil && dec.Form == apd.Finite {
			return dec
		}
	case ':':
		for i := 0; i < len(body); i++ {
			if body[i] == ':' {
				return NI{NS: body[:i], ID: body[i+1:]}
			}
		}
		return NI{ID: body} // "~:id": an identifier without a namespace
	case 'r':
		return URI(body)
	case 'u':
		if u, ok := parseUUID(body); ok {
			return u
		}
	case 'b':
		if b, err := base64.StdEncoding.DecodeString(body); err == nil {
			return Bytes(b)
		}
		if b, err := base64.URLEncoding.DecodeString(body); err == nil {
			return Bytes(b)
		}
	}
	return s
}

// ParseDatetime parses the transit datetime body: RFC 3339 with up to
// nanosecond precision. The result is in UTC.
func ParseDatetime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

func parseUUID(s string) (UUID, bool) {
	if len(s) != 36 {
		return "", false
	}
	b := []byte(s)
	for i, c := range b {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return "", false
			}
			continue
		}
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		case c >= 'A' && c <= 'F':
			b[i] = c + 'a' - 'A'
		default:
			return "", false
		}
	}
	return UUID(b), true
}
