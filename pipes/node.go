package pipes

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// MaxDepth caps how deeply arrays and objects may nest. Real configs are a
// handful of levels deep; the cap keeps hostile input from exhausting the
// stack of the recursive parser and decoder.
const MaxDepth = 1000

// Pos is a place in a config file. Line and Col are 1-based; Col counts
// characters (runes), not bytes, because that is what editors show.
type Pos struct {
	File              string
	Offset, Line, Col int
}

// String renders "file:line:col", the form editors and terminals link to.
// An unknown position (Line 0) renders as just the file name.
func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	if p.File == "" {
		return fmt.Sprintf("%d:%d", p.Line, p.Col)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Kind is the JSON type of a Node.
type Kind int

// The JSON kinds, in the order JSON's grammar lists them.
const (
	Null Kind = iota
	Bool
	Number
	String
	Array
	Object
)

var kindNames = [...]string{"null", "boolean", "number", "string", "array", "object"}

// String names the kind the way messages talk about it.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "Kind(" + strconv.Itoa(int(k)) + ")"
	}
	return kindNames[k]
}

// Node is one JSON value together with where it came from, so that every
// later stage (decoding, validation, substitution) can blame a precise place.
type Node struct {
	Kind    Kind
	Str     string   // String: the decoded value; Number: the literal exactly as written
	Bool    bool     // Bool: the value
	Members []Member // Object: members in file order
	Items   []*Node  // Array: items
	Pos     Pos      // where the value starts
	Pointer string   // RFC 6901 pointer from the file's root value ("" for the root)
	Secret  bool     // the string holds a secret: JSON emits it, diagnostics must not
}

// Member is one key/value pair of an object. KeyPos is kept separately
// from the value's position so messages about keys can point at the key.
type Member struct {
	Key    string
	KeyPos Pos
	Value  *Node
}

// Get returns the value of the object member key, or nil when n is not an
// object or has no such member.
func (n *Node) Get(key string) *Node {
	if m := n.Lookup(key); m != nil {
		return m.Value
	}
	return nil
}

// Lookup returns the object member with the given key (for its KeyPos),
// or nil.
func (n *Node) Lookup(key string) *Member {
	if n == nil || n.Kind != Object {
		return nil
	}
	for i := range n.Members {
		if n.Members[i].Key == key {
			return &n.Members[i]
		}
	}
	return nil
}

// Child resolves an RFC 6901 pointer relative to n ("" is n itself) and
// returns nil when any step does not exist.
func (n *Node) Child(ptr string) *Node {
	if ptr == "" {
		return n
	}
	if ptr[0] != '/' {
		return nil
	}
	for _, tok := range strings.Split(ptr[1:], "/") {
		if n == nil {
			return nil
		}
		switch n.Kind {
		case Object:
			n = n.Get(unescapePointer(tok))
		case Array:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n.Items) || strconv.Itoa(i) != tok {
				return nil
			}
			n = n.Items[i]
		default:
			return nil
		}
	}
	return n
}

// escapePointer escapes one reference token per RFC 6901.
func escapePointer(tok string) string {
	if !strings.ContainsAny(tok, "~/") {
		return tok
	}
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(tok)
}

func unescapePointer(tok string) string {
	if !strings.Contains(tok, "~") {
		return tok
	}
	return strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
}

// Walk visits n and its descendants in pre-order (object members in file
// order); when fn returns false the children of that node are skipped.
func (n *Node) Walk(fn func(*Node) bool) {
	if n == nil || !fn(n) {
		return
	}
	for _, m := range n.Members {
		m.Value.Walk(fn)
	}
	for _, it := range n.Items {
		it.Walk(fn)
	}
}

// JSON renders the tree as compact JSON. It reflects edits made after
// parsing; numbers are emitted exactly as their literal text so that large
// or precise numbers survive untouched.
func (n *Node) JSON() []byte {
	return n.appendJSON(nil)
}

func (n *Node) appendJSON(b []byte) []byte {
	if n == nil {
		return append(b, "null"...)
	}
	switch n.Kind {
	case Bool:
		return strconv.AppendBool(b, n.Bool)
	case Number:
		if isNumber(n.Str) {
			return append(b, n.Str...)
		}
		// Code replaced the literal with something that is not a number;
		// quoting it keeps the output valid JSON rather than corrupt.
		return appendQuoted(b, n.Str)
	case String:
		return appendQuoted(b, n.Str)
	case Array:
		b = append(b, '[')
		for i, it := range n.Items {
			if i > 0 {
				b = append(b, ',')
			}
			b = it.appendJSON(b)
		}
		return append(b, ']')
	case Object:
		b = append(b, '{')
		for i, m := range n.Members {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(appendQuoted(b, m.Key), ':')
			b = m.Value.appendJSON(b)
		}
		return append(b, '}')
	}
	return append(b, "null"...)
}

// appendQuoted quotes s as a JSON string, replacing invalid UTF-8 (which
// only edits after parsing can introduce) so the output stays valid.
func appendQuoted(b []byte, s string) []byte {
	out, err := jsontext.AppendQuote(b, s)
	if err != nil {
		out, _ = jsontext.AppendQuote(b, strings.ToValidUTF8(s, "\uFFFD"))
	}
	return out
}

// isNumber reports whether s is exactly one JSON number literal.
func isNumber(s string) bool {
	return s != "" && (s[0] == '-' || s[0] >= '0' && s[0] <= '9') &&
		s[len(s)-1] >= '0' && s[len(s)-1] <= '9' && stdjson.Valid([]byte(s))
}

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
