package connector

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/sluice-sync/sluice/pipes"
)

// parseJSON parses a manifest or a template into a positioned tree, like
// pipes.Parse, except that an object may hold a key twice: sesam-py reads
// these files with Python's json module, where the last one wins, and real
// manifests rely on it. Callers see every member; lastMembers resolves them.
func parseJSON(file string, data []byte) (*pipes.Node, error) {
	p := &jsonParser{
		dec: jsontext.NewDecoder(bytes.NewReader(data), jsontext.AllowDuplicateNames(true)),
		loc: locator{file: file, data: data, line: 1, col: 1},
	}
	start := skipSpace(data, 0)
	switch {
	case start == len(data):
		return nil, p.errorAt(start, "empty file: expected a JSON value")
	case bytes.HasPrefix(data, []byte("\uFEFF")):
		return nil, p.errorAt(0, "file starts with a byte order mark (BOM); save it as UTF-8 without BOM")
	}
	root, err := p.value()
	if err != nil {
		return nil, err
	}
	if end := skipSpace(data, int(p.dec.InputOffset())); end < len(data) {
		return nil, p.errorAt(end, "invalid character %s after the top-level value", quoteChar(data[end:]))
	}
	return root, nil
}

type jsonParser struct {
	dec  *jsontext.Decoder
	loc  locator
	open []*pipes.Node // containers being read, for "not closed" messages
}

func (p *jsonParser) value() (*pipes.Node, error) {
	start := p.tokenStart()
	tok, err := p.dec.ReadToken()
	if err != nil {
		return nil, p.syntaxError(err)
	}
	n := &pipes.Node{Pos: p.loc.pos(start)}
	switch tok.Kind() {
	case 'n':
		n.Kind = pipes.Null
	case 't', 'f':
		n.Kind, n.Bool = pipes.Bool, tok.Bool()
	case '"':
		n.Kind, n.Str = pipes.String, tok.String()
	case '0':
		n.Kind, n.Str = pipes.Number, tok.String()
	case '{', '[':
		n.Kind = pipes.Object
		end := jsontext.Kind('}')
		if tok.Kind() == '[' {
			n.Kind, end = pipes.Array, ']'
		}
		if len(p.open) >= pipes.MaxDepth {
			return nil, p.errorAt(start, "nesting too deep: more than %d levels of arrays and objects", pipes.MaxDepth)
		}
		p.open = append(p.open, n)
		for p.dec.PeekKind() != end {
			if n.Kind == pipes.Array {
				it, err := p.value()
				if err != nil {
					return nil, err
				}
				n.Items = append(n.Items, it)
				continue
			}
			keyStart := p.tokenStart()
			key, err := p.dec.ReadToken()
			if err != nil {
				return nil, p.syntaxError(err)
			}
			m := pipes.Member{Key: key.String(), KeyPos: p.loc.pos(keyStart)}
			if m.Value, err = p.value(); err != nil {
				return nil, err
			}
			n.Members = append(n.Members, m)
		}
		if _, err := p.dec.ReadToken(); err != nil {
			return nil, p.syntaxError(err)
		}
		p.open = p.open[:len(p.open)-1]
	}
	return n, nil
}

// tokenStart finds where the next token begins: InputOffset is just past
// the previous token, so skip white space and the ':' or ',' separator.
func (p *jsonParser) tokenStart() int {
	data, off := p.loc.data, int(p.dec.InputOffset())
	for off < len(data) && (isJSONSpace(data[off]) || data[off] == ':' || data[off] == ',') {
		off++
	}
	return off
}

// syntaxError places a jsontext error at its byte. A placeholder written
// outside a string gets a message of its own: templates must be JSON
// before they are expanded.
func (p *jsonParser) syntaxError(err error) error {
	var se *jsontext.SyntacticError
	if !errors.As(err, &se) {
		return p.errorAt(len(p.loc.data), "%s", strings.TrimPrefix(err.Error(), "jsontext: "))
	}
	off := int(se.ByteOffset)
	msg := "syntax error"
	if se.Err != nil {
		msg = strings.TrimPrefix(se.Err.Error(), "jsontext: ")
	}
	data := p.loc.data
	for _, at := range []int{off, off - 1} {
		if at >= 0 && at < len(data) && bytes.HasPrefix(data[at:], []byte(openDelim)) {
			return p.errorAt(at, "a placeholder must be inside a JSON string: write \"%s name %s\" (a parameter that is a boolean then expands to true or false)", openDelim, closeDelim)
		}
	}
	switch {
	case msg == "invalid UTF-8":
		msg = "invalid UTF-8 in string (files must be UTF-8 encoded)"
	case errors.Is(se.Err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		off, msg = len(data), "unexpected end of file"
		if len(p.open) > 0 {
			o := p.open[len(p.open)-1]
			msg += fmt.Sprintf(": the %s opened at line %d, column %d is not closed", o.Kind, o.Pos.Line, o.Pos.Col)
		}
	}
	return p.errorAt(off, "%s", msg)
}

func (p *jsonParser) errorAt(off int, format string, args ...any) *pipes.Error {
	return &pipes.Error{Pos: p.loc.pos(off), Msg: fmt.Sprintf(format, args...)}
}

// locator converts byte offsets to line and column (in runes, as editors
// count), scanning forward from the last answer.
type locator struct {
	file           string
	data           []byte
	off, line, col int
}

func (l *locator) pos(off int) pipes.Pos {
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
	return pipes.Pos{File: l.file, Offset: off, Line: l.line, Col: l.col}
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(data []byte, off int) int {
	for off < len(data) && isJSONSpace(data[off]) {
		off++
	}
	return off
}

func quoteChar(b []byte) string {
	r, size := utf8.DecodeRune(b)
	if r == utf8.RuneError && size <= 1 {
		return fmt.Sprintf(`'\x%02x'`, b[0])
	}
	return strconv.QuoteRune(r)
}

// rawString returns the text between the quotes of the JSON string token
// that starts at off, escapes undecoded, or false when there is none.
func rawString(data []byte, off int) ([]byte, bool) {
	if off < 0 || off >= len(data) || data[off] != '"' {
		return nil, false
	}
	for i := off + 1; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return data[off+1 : i], true
		}
	}
	return nil, false
}

// lastMembers resolves duplicate keys the way Python's json module does:
// the last value wins, at the place of the first. dup is called for every
// member that a later one replaces.
func lastMembers(n *pipes.Node, dup func(first, later pipes.Member)) []pipes.Member {
	var out []pipes.Member
	for _, m := range n.Members {
		if i := slices.IndexFunc(out, func(o pipes.Member) bool { return o.Key == m.Key }); i >= 0 {
			if dup != nil {
				dup(out[i], m)
			}
			out[i].Value = m.Value
			continue
		}
		out = append(out, m)
	}
	return out
}

// writeJSON renders v the way sesam-py writes expanded files (Python's
// json.dump with indent=2 and sort_keys=True), except that text stays UTF-8
// rather than \u escapes; numbers keep their literal text.
func writeJSON(b *bytes.Buffer, n *pipes.Node, indent int) {
	nl := func(depth int) {
		b.WriteByte('\n')
		for range depth {
			b.WriteString("  ")
		}
	}
	switch n.Kind {
	case pipes.Null:
		b.WriteString("null")
	case pipes.Bool:
		b.WriteString(strconv.FormatBool(n.Bool))
	case pipes.Number:
		b.WriteString(n.Str)
	case pipes.String:
		b.Write(quote(n.Str))
	case pipes.Array:
		if len(n.Items) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteByte('[')
		for i, it := range n.Items {
			if i > 0 {
				b.WriteByte(',')
			}
			nl(indent + 1)
			writeJSON(b, it, indent+1)
		}
		nl(indent)
		b.WriteByte(']')
	case pipes.Object:
		if len(n.Members) == 0 {
			b.WriteString("{}")
			return
		}
		ms := slices.Clone(n.Members)
		slices.SortStableFunc(ms, func(x, y pipes.Member) int { return strings.Compare(x.Key, y.Key) })
		b.WriteByte('{')
		for i, m := range ms {
			if i > 0 {
				b.WriteByte(',')
			}
			nl(indent + 1)
			b.Write(quote(m.Key))
			b.WriteString(": ")
			writeJSON(b, m.Value, indent+1)
		}
		nl(indent)
		b.WriteByte('}')
	}
}

// quote quotes s as a JSON string; invalid UTF-8 (which parsing rejects)
// is replaced rather than written out.
func quote(s string) []byte {
	out, err := jsontext.AppendQuote(nil, s)
	if err != nil {
		out, _ = jsontext.AppendQuote(nil, strings.ToValidUTF8(s, "\uFFFD"))
	}
	return out
}
