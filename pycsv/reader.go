// Package pycsv reads and writes CSV with the dialect settings of Python's
// csv module (delimiter, quotechar, doublequote, escapechar,
// skipinitialspace, lineterminator, quoting), which Sesam's CSV source and
// csv_endpoint sink expose, and decodes and encodes text in the codecs
// Python names. encoding/csv has no quote character, escape character or
// multi-character delimiter, and is strict where Python is lenient.
package pycsv

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Quoting says which fields a writer quotes (Python's csv.QUOTE_*).
type Quoting int

// The quoting modes.
const (
	QuoteMinimal    Quoting = iota // fields that hold a delimiter, quote, escape or line break
	QuoteAll                       // every field
	QuoteNonNumeric                // every field but numbers
	QuoteNone                      // none: special characters are escaped instead
)

// Dialect says how a CSV text is laid out.
type Dialect struct {
	// Delimiter separates fields. Python allows one character; any
	// non-empty string without line breaks works here.
	Delimiter string
	// QuoteChar quotes a field (one character; "" for none).
	QuoteChar string
	// DoubleQuote: a QuoteChar inside a quoted field stands for itself
	// when doubled. Without it, it needs EscapeChar.
	DoubleQuote bool
	// EscapeChar ("" for none) makes the character after it literal.
	EscapeChar string
	// SkipInitialSpace drops spaces right after a delimiter.
	SkipInitialSpace bool
	// LineTerminator ends the records a Writer writes. The Reader ends
	// records at "\r\n", "\n" or "\r", as Python's does.
	LineTerminator string
	// Quoting is how a Writer quotes.
	Quoting Quoting
}

// Python's predefined dialects.
var (
	Excel    = Dialect{Delimiter: ",", QuoteChar: `"`, DoubleQuote: true, LineTerminator: "\r\n"}
	ExcelTab = Dialect{Delimiter: "\t", QuoteChar: `"`, DoubleQuote: true, LineTerminator: "\r\n"}
	Unix     = Dialect{Delimiter: ",", QuoteChar: `"`, DoubleQuote: true, LineTerminator: "\n", Quoting: QuoteAll}
)

// Check reports a dialect that cannot work: an empty delimiter, quote or
// escape characters longer than one character, line breaks where they
// would end records, or the same character in two roles.
func (d Dialect) Check() error {
	one := func(name, s string) error {
		if s != "" && utf8.RuneCountInString(s) != 1 {
			return fmt.Errorf("%s must be one character, not %q", name, s)
		}
		return nil
	}
	switch {
	case d.Delimiter == "":
		return errors.New("the delimiter must not be empty")
	case bytes.ContainsAny([]byte(d.Delimiter+d.QuoteChar+d.EscapeChar), "\r\n"):
		return errors.New("the delimiter, quote and escape characters must not hold line breaks")
	}
	if err := one("the quote character", d.QuoteChar); err != nil {
		return err
	}
	if err := one("the escape character", d.EscapeChar); err != nil {
		return err
	}
	for _, c := range []string{d.QuoteChar, d.EscapeChar} {
		if c != "" && (c == d.Delimiter || (len(d.Delimiter) > 0 && c[0] == d.Delimiter[0])) {
			return fmt.Errorf("the delimiter %q and the quote or escape character %q must differ", d.Delimiter, c)
		}
	}
	if d.QuoteChar != "" && d.QuoteChar == d.EscapeChar {
		return fmt.Errorf("the quote and escape characters must differ (%q)", d.QuoteChar)
	}
	return nil
}

// ParseError is a record the Reader cannot read.
type ParseError struct {
	Line int // the line the record starts on, from 1
	Err  error
}

func (e *ParseError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *ParseError) Unwrap() error { return e.Err }

// ErrUnclosedQuote is a quoted field still open at the end of the input.
var ErrUnclosedQuote = errors.New("a quoted field is not closed at the end of the input")

// DefaultMaxRecordBytes caps one record, so an unclosed quote early in a
// big file fails instead of holding the rest of it in memory.
const DefaultMaxRecordBytes = 64 << 20

// Reader reads records. Unlike Python's reader it skips blank lines (as
// Python's DictReader does) and refuses a quoted field left open at the end
// of the input; otherwise it reads as Python's does with strict off: text
// after a closing quote joins the field, and a quote inside an unquoted
// field is literal.
type Reader struct {
	// MaxRecordBytes caps one record's fields (0: DefaultMaxRecordBytes).
	MaxRecordBytes int

	src      io.Reader
	buf      []byte
	pos, end int
	rerr     error

	delim, quote, esc    []byte
	doubleQuote, skipSp  bool
	plainStop, quoteStop [256]bool

	line   int // the line at pos
	rec    []byte
	ends   []int
	fields [][]byte
	quoted int
}

// NewReader reads UTF-8 (or any ASCII-compatible) text from src; the
// dialect must pass Check.
func NewReader(src io.Reader, d Dialect) *Reader { return newReaderSize(src, d, 64<<10) }

// newReaderSize reads through a buffer of size bytes (at least 16, so a
// delimiter and a character always fit).
func newReaderSize(src io.Reader, d Dialect, size int) *Reader {
	r := &Reader{
		src: src, buf: make([]byte, max(size, 16)), line: 1,
		delim: []byte(d.Delimiter), quote: []byte(d.QuoteChar), esc: []byte(d.EscapeChar),
		doubleQuote: d.DoubleQuote, skipSp: d.SkipInitialSpace,
	}
	if d.Quoting == QuoteNone { // as Python's reader: quotes are plain characters
		r.quote = nil
	}
	for _, s := range [][]byte{{'\r'}, {'\n'}, r.esc, r.delim} {
		if len(s) > 0 {
			r.plainStop[s[0]] = true
		}
	}
	for _, s := range [][]byte{{'\r'}, {'\n'}, r.esc, r.quote} {
		if len(s) > 0 {
			r.quoteStop[s[0]] = true
		}
	}
	return r
}

// Line is the line the Reader is at: after a record, the next one.
func (r *Reader) Line() int { return r.line }

// SetLine sets the number of the line the Reader is at, for input whose
// first lines were read past before the Reader got it.
func (r *Reader) SetLine(line int) { r.line = line }

// QuotedFields counts the quoted fields read so far.
func (r *Reader) QuotedFields() int { return r.quoted }

// more makes n bytes available at pos, unless the input ends first.
func (r *Reader) more(n int) bool {
	for r.end-r.pos < n {
		if r.rerr != nil {
			return false
		}
		if r.pos > 0 {
			r.end = copy(r.buf, r.buf[r.pos:r.end])
			r.pos = 0
		}
		if r.end == len(r.buf) { // a token longer than the buffer
			r.buf = append(r.buf, make([]byte, len(r.buf))...)
		}
		m, err := r.src.Read(r.buf[r.end:])
		r.end += m
		if err != nil {
			r.rerr = err
		}
	}
	return true
}

// at reports whether tok starts at pos.
func (r *Reader) at(tok []byte) bool {
	if len(tok) == 0 || !r.more(len(tok)) {
		return false
	}
	return r.buf[r.pos] == tok[0] && (len(tok) == 1 || bytes.Equal(r.buf[r.pos:r.pos+len(tok)], tok))
}

// readErr is the input's own error, if it failed other than by ending.
func (r *Reader) readErr(line int) error {
	if r.rerr != nil && r.rerr != io.EOF {
		return &ParseError{Line: line, Err: r.rerr}
	}
	return nil
}

// Read returns the next record's fields, which stay valid until the next
// call, and the line it starts on. At the end of the input it returns
// io.EOF; a failed read or a record that cannot be read is a *ParseError.
func (r *Reader) Read() (fields [][]byte, line int, err error) {
	r.rec, r.ends = r.rec[:0], r.ends[:0]
	for { // blank lines
		if !r.more(1) {
			if err := r.readErr(r.line); err != nil {
				return nil, r.line, err
			}
			return nil, r.line, io.EOF
		}
		if c := r.buf[r.pos]; c != '\n' && c != '\r' {
			break
		}
		r.newline()
	}
	line = r.line
	for {
		if r.skipSp {
			for r.more(1) && r.buf[r.pos] == ' ' {
				r.pos++
			}
		}
		if r.at(r.quote) {
			r.pos += len(r.quote)
			r.quoted++
			if err := r.quotedField(line); err != nil {
				return nil, line, err
			}
		}
		more, err := r.plainField(line)
		if err != nil {
			return nil, line, err
		}
		r.ends = append(r.ends, len(r.rec))
		if !more {
			break
		}
	}
	if err := r.readErr(line); err != nil {
		return nil, line, err
	}
	r.fields = r.fields[:0]
	start := 0
	for _, e := range r.ends {
		r.fields = append(r.fields, r.rec[start:e:e])
		start = e
	}
	return r.fields, line, nil
}

var (
	crlf = []byte("\r\n")
	cr   = crlf[:1]
	lf   = crlf[1:]
)

// newline consumes "\r\n", "\n" or "\r" at pos and returns it.
func (r *Reader) newline() []byte {
	r.line++
	if r.buf[r.pos] == '\n' {
		r.pos++
		return lf
	}
	r.pos++
	if r.more(1) && r.buf[r.pos] == '\n' {
		r.pos++
		return crlf
	}
	return cr
}

// grow appends b to the record, within the cap.
func (r *Reader) grow(line int, b []byte) error {
	max := r.MaxRecordBytes
	if max <= 0 {
		max = DefaultMaxRecordBytes
	}
	if len(r.rec)+len(b) > max {
		return &ParseError{Line: line, Err: fmt.Errorf("the record is longer than %d bytes (is a quote left open?)", max)}
	}
	r.rec = append(r.rec, b...)
	return nil
}

// escaped appends the character after an escape character (the escape
// itself is consumed). An escape at the end of the input is dropped.
func (r *Reader) escaped(line int) error {
	if !r.more(1) {
		return nil
	}
	c := r.buf[r.pos]
	if c == '\n' || c == '\r' {
		return r.grow(line, r.newline())
	}
	n := 1
	if c >= utf8.RuneSelf {
		r.more(utf8.UTFMax)
		_, n = utf8.DecodeRune(r.buf[r.pos:r.end])
	}
	r.pos += n
	return r.grow(line, r.buf[r.pos-n:r.pos])
}

// quotedField reads a quoted field after its opening quote, up to and
// including its closing quote.
func (r *Reader) quotedField(line int) error {
	for {
		if !r.more(1) {
			if err := r.readErr(line); err != nil {
				return err
			}
			return &ParseError{Line: line, Err: ErrUnclosedQuote}
		}
		i := r.pos
		for i < r.end && !r.quoteStop[r.buf[i]] {
			i++
		}
		if err := r.grow(line, r.buf[r.pos:i]); err != nil {
			return err
		}
		r.pos = i
		if i == r.end {
			continue
		}
		switch c := r.buf[i]; {
		case c == '\n' || c == '\r':
			if err := r.grow(line, r.newline()); err != nil {
				return err
			}
		case r.at(r.esc):
			r.pos += len(r.esc)
			if err := r.escaped(line); err != nil {
				return err
			}
		case r.at(r.quote):
			r.pos += len(r.quote)
			if !r.doubleQuote || !r.at(r.quote) {
				return nil
			}
			r.pos += len(r.quote)
			if err := r.grow(line, r.quote); err != nil {
				return err
			}
		default: // the first byte of a longer token that is not there
			r.pos++
			if err := r.grow(line, []byte{c}); err != nil {
				return err
			}
		}
	}
}

// plainField reads the unquoted part of a field and what ends it: more
// is true after a delimiter, false at the end of the record or input.
func (r *Reader) plainField(line int) (more bool, err error) {
	for {
		if !r.more(1) {
			return false, nil
		}
		i := r.pos
		for i < r.end && !r.plainStop[r.buf[i]] {
			i++
		}
		if err := r.grow(line, r.buf[r.pos:i]); err != nil {
			return false, err
		}
		r.pos = i
		if i == r.end {
			continue
		}
		switch c := r.buf[i]; {
		case len(r.delim) == 1 && c == r.delim[0]: // the common case first
			r.pos++
			return true, nil
		case c == '\n' || c == '\r':
			r.newline()
			return false, nil
		case r.at(r.esc):
			r.pos += len(r.esc)
			if err := r.escaped(line); err != nil {
				return false, err
			}
		case r.at(r.delim):
			r.pos += len(r.delim)
			return true, nil
		default: // the first byte of a longer token that is not there
			r.pos++
			if err := r.grow(line, []byte{c}); err != nil {
				return false, err
			}
		}
	}
}
