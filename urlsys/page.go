package urlsys

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/go-json-experiment/json/jsontext"
)

// PageError is a JSON pull page that is not a JSON array of objects. It
// says where, as a byte offset and a line and column (both from 1).
type PageError struct {
	Offset       int64
	Line, Column int
	Msg          string
}

func (e *PageError) Error() string {
	return fmt.Sprintf("byte %d (line %d, column %d): %s", e.Offset, e.Line, e.Column, e.Msg)
}

// readPage streams a JSON pull page, a JSON array of entities, from r and
// calls fn with each entity as it is read (fn may keep it). It stops at
// fn's first error. A page that is not an array of objects, or not valid
// JSON (duplicate names and invalid UTF-8 included), is a *PageError;
// failures of r itself come back as they are.
func readPage(r io.Reader, fn func(e []byte) error) (n int, err error) {
	lc := &lineCounter{r: r, lastNL: -1}
	dec := jsontext.NewDecoder(lc)
	fail := func(off int64, format string, args ...any) error {
		line, col := lc.position(off)
		return &PageError{Offset: off, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
	}
	syntax := func(err error) error {
		var se *jsontext.SyntacticError
		if errors.As(err, &se) {
			msg := se.Err.Error()
			if errors.Is(se.Err, io.ErrUnexpectedEOF) {
				msg = "the page ends before its JSON does"
			}
			return fail(se.ByteOffset, "%s", msg)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return fail(lc.read, "the page ends before its JSON does")
		}
		return err
	}
	if k := dec.PeekKind(); k != '[' {
		v, err := dec.ReadValue()
		switch {
		case errors.Is(err, io.EOF):
			return 0, fail(lc.read, "the page is empty, not a JSON array")
		case err != nil:
			return 0, syntax(err)
		}
		return 0, fail(dec.InputOffset()-int64(len(v)), "the page is %s, not a JSON array of entities", kindName(v.Kind()))
	}
	if _, err := dec.ReadToken(); err != nil {
		return 0, syntax(err)
	}
	for dec.PeekKind() != ']' {
		v, err := dec.ReadValue()
		if err != nil {
			return n, syntax(err)
		}
		if v.Kind() != '{' {
			return n, fail(dec.InputOffset()-int64(len(v)), "item %d of the array is %s, not an entity (a JSON object)", n, kindName(v.Kind()))
		}
		if err := fn(bytes.Clone(v)); err != nil {
			return n, err
		}
		n++
		lc.forget(dec.InputOffset())
	}
	if _, err := dec.ReadToken(); err != nil { // ']'
		return n, syntax(err)
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		if err == nil {
			return n, fail(dec.InputOffset()-1, "more JSON after the array")
		}
		return n, syntax(err)
	}
	return n, nil
}

func kindName(k jsontext.Kind) string {
	switch k {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "not JSON"
}

// lineCounter passes the page through to the decoder and keeps what it
// needs to turn a byte offset into a line and column: newline counts for
// what lies before the last entity read, and the bytes after it (which
// the decoder holds in its own buffer too).
type lineCounter struct {
	r      io.Reader
	read   int64 // bytes read so far
	chunks []chunk
	lines  int   // newlines before chunks[0]
	lastNL int64 // offset of the last of those newlines, -1 for none
}

type chunk struct {
	start int64
	data  []byte
}

func (c *lineCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.chunks = append(c.chunks, chunk{c.read, bytes.Clone(p[:n])})
		c.read += int64(n)
	}
	return n, err
}

// forget counts the lines of the chunks that lie wholly before off, and
// drops them: no error can be reported before off any more.
func (c *lineCounter) forget(off int64) {
	i := 0
	for ; i < len(c.chunks) && c.chunks[i].start+int64(len(c.chunks[i].data)) <= off; i++ {
		ch := c.chunks[i]
		if k := bytes.Count(ch.data, []byte{'\n'}); k > 0 {
			c.lines += k
			c.lastNL = ch.start + int64(bytes.LastIndexByte(ch.data, '\n'))
		}
	}
	if i > 0 {
		c.chunks = append(c.chunks[:0], c.chunks[i:]...)
	}
}

// position is the line and column (from 1, in bytes) of offset off.
func (c *lineCounter) position(off int64) (line, col int) {
	line, lastNL := c.lines+1, c.lastNL
	for _, ch := range c.chunks {
		end := min(int64(len(ch.data)), off-ch.start)
		if end <= 0 {
			break
		}
		seg := ch.data[:end]
		if k := bytes.Count(seg, []byte{'\n'}); k > 0 {
			line += k
			lastNL = ch.start + int64(bytes.LastIndexByte(seg, '\n'))
		}
	}
	return line, int(off - lastNL)
}
