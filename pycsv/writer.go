package pycsv

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"
)

// Field is one value a Writer writes.
type Field struct {
	// Text is the value as text (UTF-8).
	Text []byte
	// Null is Python's None: written empty (and quoted when every
	// field, or every non-numeric one, is).
	Null bool
	// Numeric marks a number, which QuoteNonNumeric leaves unquoted.
	Numeric bool
}

// ErrNeedEscape is a character that must be escaped when the dialect has
// no escape character (Python: "need to escape, but no escapechar set").
var ErrNeedEscape = errors.New("a field needs escaping, but there is no escape character")

// Writer writes records as Python's csv.writer does with the same dialect.
type Writer struct {
	d                 Dialect
	delim, quote, esc []byte
	special           [256]bool // first bytes of what may need quoting or escaping
}

// NewWriter writes in the dialect, which must pass Check.
func NewWriter(d Dialect) *Writer {
	w := &Writer{d: d, delim: []byte(d.Delimiter), quote: []byte(d.QuoteChar), esc: []byte(d.EscapeChar)}
	for _, s := range [][]byte{w.delim, w.quote, w.esc, []byte(d.LineTerminator), {'\r'}, {'\n'}} {
		for _, b := range s {
			w.special[b] = true
		}
	}
	return w
}

// AppendRecord appends one record and the line terminator.
func (w *Writer) AppendRecord(dst []byte, fields []Field) ([]byte, error) {
	for i, f := range fields {
		if i > 0 {
			dst = append(dst, w.delim...)
		}
		var err error
		if dst, err = w.appendField(dst, f, len(fields) == 1); err != nil {
			return dst, err
		}
	}
	return append(dst, w.d.LineTerminator...), nil
}

func (w *Writer) appendField(dst []byte, f Field, only bool) ([]byte, error) {
	quoted := false
	switch w.d.Quoting {
	case QuoteAll:
		quoted = true
	case QuoteNonNumeric:
		quoted = !f.Numeric
	}
	if len(f.Text) == 0 && only && w.d.Quoting != QuoteNone {
		quoted = true // a lone empty field would read as a blank line
	}
	start := len(dst)
	s := f.Text
	for i := 0; i < len(s); {
		if !w.special[s[i]] {
			j := i + 1
			for j < len(s) && !w.special[s[j]] {
				j++
			}
			dst = append(dst, s[i:j]...)
			i = j
			continue
		}
		var c []byte
		isDelim := bytes.HasPrefix(s[i:], w.delim)
		if isDelim {
			c = w.delim
		} else {
			_, n := utf8.DecodeRune(s[i:])
			c = s[i : i+n]
		}
		isQuote := len(w.quote) > 0 && bytes.Equal(c, w.quote)
		isEsc := len(w.esc) > 0 && bytes.Equal(c, w.esc)
		isLine := len(c) == 1 && (c[0] == '\r' || c[0] == '\n' || strings.IndexByte(w.d.LineTerminator, c[0]) >= 0)
		i += len(c)
		if !isDelim && !isQuote && !isEsc && !isLine {
			dst = append(dst, c...)
			continue
		}
		escape := w.d.Quoting == QuoteNone
		if !escape {
			switch {
			case isQuote && w.d.DoubleQuote:
				dst = append(dst, w.quote...)
			case isQuote, isEsc:
				escape = true
			}
			if !escape {
				quoted = true
			}
		}
		if escape {
			if len(w.esc) == 0 {
				return dst, ErrNeedEscape
			}
			dst = append(dst, w.esc...)
		}
		dst = append(dst, c...)
	}
	if quoted {
		dst = slices.Insert(dst, start, w.quote...)
		dst = append(dst, w.quote...)
	}
	return dst, nil
}
