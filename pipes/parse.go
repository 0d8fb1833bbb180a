package pipes

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// Parse parses one JSON document into a positioned tree. jsontext does the
// tokenising (and rejects duplicate keys and invalid UTF-8); Parse adds
// positions, pointers, a nesting cap and friendlier messages. A failure is
// always an *Error naming the offending byte.
func Parse(file string, data []byte) (*Node, error) {
	p := &parser{
		dec: jsontext.NewDecoder(bytes.NewBuffer(data)), // parses in place, no copy
		loc: locator{file: file, data: data, line: 1, col: 1},
	}
	start := skipSpace(data, 0)
	switch {
	case start == len(data):
		return nil, p.errorAt(start, "", "empty input: expected a JSON value")
	case bytes.HasPrefix(data, []byte("\uFEFF")):
		return nil, p.errorAt(0, "", "file starts with a byte order mark (BOM); save it as UTF-8 without BOM")
	}
	root, err := p.value("")
	if err != nil {
		return nil, err
	}
	if end := skipSpace(data, int(p.dec.InputOffset())); end < len(data) {
		return nil, p.errorAt(end, "", "invalid character %s after top-level value", quoteChar(data[end:]))
	}
	return root, nil
}

// parser builds Nodes from jsontext tokens. open holds the containers being
// read so a truncated file can say which one was never closed.
type parser struct {
	dec      *jsontext.Decoder
	loc      locator
	open     []*Node
	ptrBytes int // total length of all Pointers so far
}

// maxPointerBytes bounds the memory pointers take: each node stores its full
// path, so deep nesting under long keys grows quadratically with file size.
const maxPointerBytes = 64 << 20

// value reads one complete value whose pointer is ptr.
func (p *parser) value(ptr string) (*Node, error) {
	start := p.tokenStart()
	tok, err := p.dec.ReadToken()
	if err != nil {
		return nil, p.syntaxError(err)
	}
	n := &Node{Pos: p.loc.pos(start), Pointer: ptr}
	if p.ptrBytes += len(ptr); p.ptrBytes > maxPointerBytes {
		return nil, p.errorAt(start, "", "document too complex: long keys nested this deeply would need more than %d MiB of JSON pointers", maxPointerBytes>>20)
	}
	switch tok.Kind() {
	case 'n':
		n.Kind = Null
	case 't', 'f':
		n.Kind, n.Bool = Bool, tok.Bool()
	case '"':
		n.Kind, n.Str = String, tok.String()
	case '0':
		n.Kind, n.Str = Number, tok.String()
	case '{', '[':
		n.Kind = Object
		if tok.Kind() == '[' {
			n.Kind = Array
		}
		if len(p.open) >= MaxDepth {
			return nil, p.errorAt(start, ptr, "nesting too deep: more than %d levels of arrays and objects", MaxDepth)
		}
		p.open = append(p.open, n)
		if err := p.children(n); err != nil {
			return nil, err
		}
		p.open = p.open[:len(p.open)-1]
	}
	return n, nil
}

// children reads the members or items of n up to and including its closing
// bracket. jsontext enforces the grammar; a key is always a string token.
func (p *parser) children(n *Node) error {
	end := jsontext.Kind('}')
	if n.Kind == Array {
		end = ']'
	}
	for p.dec.PeekKind() != end {
		if n.Kind == Array {
			it, err := p.value(n.Pointer + "/" + strconv.Itoa(len(n.Items)))
			if err != nil {
				return err
			}
			n.Items = append(n.Items, it)
			continue
		}
		keyStart := p.tokenStart()
		tok, err := p.dec.ReadToken()
		if err != nil {
			return p.syntaxError(err)
		}
		m := Member{Key: tok.String(), KeyPos: p.loc.pos(keyStart)}
		if m.Value, err = p.value(n.Pointer + "/" + escapePointer(m.Key)); err != nil {
			return err
		}
		n.Members = append(n.Members, m)
	}
	if _, err := p.dec.ReadToken(); err != nil {
		return p.syntaxError(err)
	}
	return nil
}

// tokenStart finds where the next token begins: InputOffset is just past
// the previous token, so skip whitespace and the ':' or ',' separator.
func (p *parser) tokenStart() int {
	data, off := p.loc.data, int(p.dec.InputOffset())
	for off < len(data) && (isJSONSpace(data[off]) || data[off] == ':' || data[off] == ',') {
		off++
	}
	return off
}

// syntaxError turns a jsontext error into an *Error at the offending byte,
// dropping jsontext's own prefix and offset text so the position is not
// stated twice.
func (p *parser) syntaxError(err error) error {
	var se *jsontext.SyntacticError
	if !errors.As(err, &se) {
		return p.errorAt(len(p.loc.data), "", "%s", strings.TrimPrefix(err.Error(), "jsontext: "))
	}
	off, ptr := int(se.ByteOffset), string(se.JSONPointer)
	msg := "syntax error"
	if se.Err != nil {
		msg = strings.TrimPrefix(se.Err.Error(), "jsontext: ")
	}
	switch {
	case errors.Is(se.Err, jsontext.ErrDuplicateName):
		key := se.JSONPointer.LastToken()
		msg = fmt.Sprintf("duplicate key %q", key)
		if len(p.open) > 0 {
			if first := p.open[len(p.open)-1].Lookup(key); first != nil {
				msg += fmt.Sprintf(" (first defined at line %d, column %d)", first.KeyPos.Line, first.KeyPos.Col)
			}
		}
	case msg == "invalid UTF-8":
		msg = "invalid UTF-8 in string (config files must be UTF-8 encoded)"
	case errors.Is(se.Err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		off, msg = len(p.loc.data), "unexpected end of input"
		if len(p.open) > 0 {
			o := p.open[len(p.open)-1]
			msg += fmt.Sprintf(": the %s opened at line %d, column %d is not closed", o.Kind, o.Pos.Line, o.Pos.Col)
			ptr = o.Pointer
		}
	}
	return p.errorAt(off, ptr, "%s", msg)
}

func (p *parser) errorAt(off int, ptr, format string, args ...any) *Error {
	return &Error{Pos: p.loc.pos(off), Pointer: ptr, Msg: fmt.Sprintf(format, args...)}
}

// locator converts byte offsets to line and column. Offsets are asked for
// in increasing order while parsing, so it scans forward from the last
// answer; going backwards restarts from the top.
type locator struct {
	file           string
	data           []byte
	off, line, col int
}

func (l *locator) pos(off int) Pos {
	off = max(0, min(off, len(l.data)))
	if off < l.off {
		l.off, l.line, l.col = 0, 1, 1
	}
	for l.off < off {
		_, size := utf8.DecodeRune(l.data[l.off:])
		if l.data[l.off] == '\n' {
			l.line, l.col = l.line+1, 1
		} else {
			l.col++
		}
		l.off += min(size, off-l.off)
	}
	return Pos{File: l.file, Offset: off, Line: l.line, Col: l.col}
}

// isJSONSpace reports JSON's four whitespace bytes.
func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// skipSpace returns the offset of the first non-whitespace byte at or after off.
func skipSpace(data []byte, off int) int {
	for off < len(data) && isJSONSpace(data[off]) {
		off++
	}
	return off
}
