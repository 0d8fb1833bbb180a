package pipes

import (
	stdjson "encoding/json"
	"fmt"
	"strconv"
	"strings"

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
