package pipes

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Error is one config problem with its place. Users fix configs by jumping
// to file:line:col, and the JSON pointer disambiguates generated or
// minified files where many values share a line.
type Error struct {
	Pos     Pos
	Pointer string
	Msg     string
	Warning bool // a warning never makes Errors.ErrOrNil non-nil
}

// Error renders "file:line:col: /pointer: msg", leaving out the pointer
// when it is the root (""). Warnings get "warning: " before the message so
// a mixed list stays unambiguous.
func (e *Error) Error() string {
	if e == nil {
		return "<nil>"
	}
	var b strings.Builder
	if pos := e.Pos.String(); pos != "" {
		b.WriteString(pos)
		b.WriteString(": ")
	}
	if e.Pointer != "" {
		b.WriteString(e.Pointer)
		b.WriteString(": ")
	}
	if e.Warning {
		b.WriteString("warning: ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errorf makes a problem located at n (its Pos and Pointer). %w is
// accepted in format and rendered like %v.
func Errorf(n *Node, format string, args ...any) *Error {
	e := &Error{Msg: fmt.Errorf(format, args...).Error()}
	if n != nil {
		e.Pos, e.Pointer = n.Pos, n.Pointer
	}
	return e
}

// Errors collects every problem found so that users can fix a config in
// one pass instead of one error per run.
type Errors []*Error

// Error lists the problems one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// HasErrors reports whether any entry is not a warning.
func (es Errors) HasErrors() bool {
	return slices.ContainsFunc(es, func(e *Error) bool { return e != nil && !e.Warning })
}

// ErrOrNil returns es as an error when it holds at least one real error
// (warnings alone do not count), and nil otherwise, avoiding the typed-nil
// interface trap of returning an empty Errors as error.
func (es Errors) ErrOrNil() error {
	if !es.HasErrors() {
		return nil
	}
	return es
}

// Add records a problem at node n.
func (es *Errors) Add(n *Node, format string, args ...any) {
	*es = append(*es, Errorf(n, format, args...))
}

// Warn records a warning at node n.
func (es *Errors) Warn(n *Node, format string, args ...any) {
	e := Errorf(n, format, args...)
	e.Warning = true
	*es = append(*es, e)
}

// Sort orders problems by file and then by offset, keeping the discovery
// order for problems at the same place.
func (es Errors) Sort() {
	slices.SortStableFunc(es, func(a, b *Error) int {
		if a == nil || b == nil {
			return cmp.Compare(boolInt(a != nil), boolInt(b != nil))
		}
		return cmp.Or(cmp.Compare(a.Pos.File, b.Pos.File), cmp.Compare(a.Pos.Offset, b.Pos.Offset))
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// FieldError lets a Validate method blame one property rather than the
// whole object: Decode places it at the member named Field. errors.Join
// several of them to report several properties.
type FieldError struct {
	Field string // the JSON key of the member at fault
	Err   error
}

// Error renders "field: err" for use outside Decode.
func (e *FieldError) Error() string {
	return fmt.Sprintf("%s: %v", e.Field, e.Err)
}

// Unwrap exposes the cause to errors.Is and errors.As.
func (e *FieldError) Unwrap() error { return e.Err }

// article gives the kind with an indefinite article for "got ..." messages.
func (k Kind) article() string {
	switch k {
	case Null:
		return "null"
	case Array, Object:
		return "an " + k.String()
	}
	return "a " + k.String()
}

// String describes the node like Describe so that printing a node by
// accident (%v in a log line) can never leak a secret.
func (n *Node) String() string { return n.Describe() }

// Describe gives a short human rendering of the value for messages:
// `"abc"`, `12`, `true`, `null`, `an object`, `a list`. Secret strings
// show as `"***"`.
func (n *Node) Describe() string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case Null:
		return "null"
	case Bool:
		return strconv.FormatBool(n.Bool)
	case Number:
		return truncate(n.Str)
	case String:
		if n.Secret {
			return `"***"`
		}
		return strconv.Quote(truncate(n.Str))
	case Array:
		return "a list"
	case Object:
		return "an object"
	}
	return n.Kind.String()
}

// truncate shortens long values so one message stays one readable line.
func truncate(s string) string {
	const limit = 40
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	return string([]rune(s)[:limit-3]) + "..."
}

// quoteChar renders the first character of b for a syntax message.
func quoteChar(b []byte) string {
	r, size := utf8.DecodeRune(b)
	if r == utf8.RuneError && size <= 1 {
		return fmt.Sprintf(`'\x%02x'`, b[0])
	}
	return strconv.QuoteRune(r)
}

// AsErrors turns err into Errors for a NodeDecoder: errors that already
// carry positions keep them; any other error is placed at n.
func AsErrors(n *Node, err error) Errors {
	if err == nil {
		return nil
	}
	var es Errors
	if errors.As(err, &es) {
		return es
	}
	var e *Error
	if errors.As(err, &e) {
		return Errors{e}
	}
	return Errors{Errorf(n, "%v", err)}
}
