package connector

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/sluice-sync/sluice/pipes"
)

// The delimiters sesam-py gives Jinja for connector templates. Only
// variables are supported: no filters, expressions or statements, which
// no published connector uses.
const (
	openDelim  = "{{@"
	closeDelim = "@}}"
	stmtDelim  = "{{%"
)

// A value is what a placeholder expands to: text, or a boolean, which a
// placeholder making up a whole string turns into JSON true or false (as
// sesam-py does).
type value struct {
	text   string
	isBool bool
}

func textValue(s string) value { return value{text: s} }

func boolValue(b bool) value { return value{text: strconv.FormatBool(b), isBool: true} }

// A part of a template string: literal text, or a placeholder.
type part struct {
	text string    // the literal, decoded
	name string    // the placeholder's name ("" for a literal)
	pos  pipes.Pos // where the placeholder's "{{@" is
}

// splitPlaceholders splits the body of a JSON string token (the text
// between its quotes, escapes undecoded, as Jinja sees it) into literals
// and placeholders. at is the position of the body's first byte; a string
// token holds no line break, so a placeholder's column is at's plus the
// runes before it.
func splitPlaceholders(raw []byte, at pipes.Pos) ([]part, *pipes.Error) {
	posAt := func(i int) pipes.Pos {
		p := at
		p.Offset += i
		p.Col += utf8.RuneCount(raw[:i])
		return p
	}
	if i := bytes.Index(raw, []byte(stmtDelim)); i >= 0 {
		return nil, &pipes.Error{Pos: posAt(i), Msg: "Jinja statements (" + stmtDelim + " ... %}}) are not supported: only " + openDelim + " name " + closeDelim + " placeholders"}
	}
	var parts []part
	literal := func(b []byte) *pipes.Error {
		if len(b) == 0 {
			return nil
		}
		s, err := unquote(b)
		if err != nil {
			return &pipes.Error{Pos: at, Msg: "invalid string: " + err.Error()}
		}
		parts = append(parts, part{text: s})
		return nil
	}
	rest, off := raw, 0
	for {
		i := bytes.Index(rest, []byte(openDelim))
		if i < 0 {
			return parts, literal(rest)
		}
		if err := literal(rest[:i]); err != nil {
			return nil, err
		}
		start := off + i
		body := rest[i+len(openDelim):]
		j := bytes.Index(body, []byte(closeDelim))
		if j < 0 {
			return nil, &pipes.Error{Pos: posAt(start), Msg: "placeholder not closed: expected " + closeDelim}
		}
		name := bytes.Trim(body[:j], " ")
		if !isIdentifier(name) {
			return nil, &pipes.Error{Pos: posAt(start), Msg: badPlaceholder(name)}
		}
		parts = append(parts, part{name: string(name), pos: posAt(start)})
		n := i + len(openDelim) + j + len(closeDelim)
		rest, off = rest[n:], off+n
	}
}

// badPlaceholder explains why the text between the delimiters is not a name.
func badPlaceholder(name []byte) string {
	shown := strconv.Quote(string(name))
	switch {
	case len(name) == 0:
		return "empty placeholder: expected " + openDelim + " name " + closeDelim
	case name[0] == '-' || name[len(name)-1] == '-':
		return "placeholder " + shown + ": Jinja's white space control (" + openDelim + "- -" + closeDelim + ") is not supported"
	case bytes.ContainsAny(name, "-."):
		return "placeholder " + shown + " is not a name: a placeholder is a letter or _ followed by letters, digits or _ (Jinja would read - and . as operators)"
	}
	return "placeholder " + shown + " is not a name: only " + openDelim + " name " + closeDelim + " is supported (no filters or expressions)"
}

// isIdentifier reports whether b is a Jinja variable name (ASCII).
func isIdentifier(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for i, c := range b {
		letter := c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// unquote decodes the escapes of a piece of a JSON string body.
func unquote(b []byte) (string, error) {
	q := make([]byte, 0, len(b)+2)
	q = append(append(append(q, '"'), b...), '"')
	out, err := jsontext.AppendUnquote(nil, q)
	if err != nil {
		return "", errors.New(strings.TrimPrefix(err.Error(), "jsontext: "))
	}
	return string(out), nil
}

// expandParts joins the parts with the placeholders' values. A single
// placeholder whose value is a boolean makes a JSON boolean; any other
// placeholder makes text. lookup reports a name it does not know, and the
// result is then nil.
func expandParts(parts []part, lookup func(p part) (value, bool)) *pipes.Node {
	if len(parts) == 1 && parts[0].name != "" {
		v, ok := lookup(parts[0])
		if !ok {
			return nil
		}
		if v.isBool {
			return &pipes.Node{Kind: pipes.Bool, Bool: v.text == "true"}
		}
		return &pipes.Node{Kind: pipes.String, Str: v.text}
	}
	var b []byte
	ok := true
	for _, p := range parts {
		if p.name == "" {
			b = append(b, p.text...)
			continue
		}
		v, found := lookup(p)
		ok = ok && found
		b = append(b, v.text...)
	}
	if !ok {
		return nil
	}
	return &pipes.Node{Kind: pipes.String, Str: string(b)}
}
