package jinja

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/nikolalohinski/gonja/v2"
	"github.com/nikolalohinski/gonja/v2/exec"

	"github.com/sluice-sync/sluice/dtl"
	"github.com/sluice-sync/sluice/pipes"
)

// Template is a Jinja template from a config string, compiled once. A
// string without template syntax renders as itself without the engine, and
// one that only substitutes variables ("items/{{ entity.id }}") renders
// them directly when they hold strings or integers.
type Template struct {
	Src   string
	tpl   *exec.Template
	plain bool
	parts []templatePart // the simple form, when the template has one
}

// templatePart is literal text, or a dotted variable to substitute.
type templatePart struct {
	text string
	path []string
}

// simpleVar matches a plain variable substitution: {{ a.b.c }}.
var simpleVar = regexp.MustCompile(`\{\{\s*([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*)\s*\}\}`)

// simpleParts splits src into literals and variables, or reports that the
// template needs the engine.
func simpleParts(src string) ([]templatePart, bool) {
	var parts []templatePart
	last := 0
	for _, m := range simpleVar.FindAllStringSubmatchIndex(src, -1) {
		parts = append(parts, templatePart{text: src[last:m[0]]}, templatePart{path: strings.Split(src[m[2]:m[3]], ".")})
		last = m[1]
	}
	parts = append(parts, templatePart{text: src[last:]})
	for _, p := range parts {
		if p.path == nil && strings.ContainsAny(p.text, "{}%#") {
			return nil, false
		}
	}
	return parts, true
}

// renderSimple renders the simple form; ok is false when a variable holds
// something whose rendering is the engine's business.
func (t *Template) renderSimple(vars map[string]any) (string, bool) {
	var b strings.Builder
	for _, p := range t.parts {
		if p.path == nil {
			b.WriteString(p.text)
			continue
		}
		v, ok := lookupVar(vars, p.path[0])
		if !ok {
			return "", false
		}
		for _, step := range p.path[1:] {
			switch m := v.(type) {
			case map[string]any:
				v = m[step]
			case *dtl.Dict:
				v, _ = m.Get(step)
			default:
				return "", false
			}
		}
		switch x := v.(type) {
		case string:
			b.WriteString(x)
		case int64:
			b.WriteString(strconv.FormatInt(x, 10))
		default:
			return "", false
		}
	}
	return b.String(), true
}

// SyntaxError is a template that does not compile; Err is the engine's
// message, for callers that quote the template their own way.
type SyntaxError struct {
	Src string
	Err error
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("bad template %q: %v", e.Src, e.Err) }

func (e *SyntaxError) Unwrap() error { return e.Err }

// HasSyntax reports whether src uses template syntax at all; a string
// without it renders as itself.
func HasSyntax(src string) bool {
	return strings.Contains(src, "{{") || strings.Contains(src, "{%") || strings.Contains(src, "{#")
}

// Parse compiles src; a syntax error is a *SyntaxError.
func Parse(src string) (*Template, error) {
	t := &Template{Src: src}
	if !HasSyntax(src) {
		t.plain = true
		return t, nil
	}
	tpl, err := gonja.FromString(src)
	if err != nil {
		return nil, &SyntaxError{Src: src, Err: err}
	}
	t.tpl = tpl
	t.parts, _ = simpleParts(src)
	return t, nil
}

// DecodeNode compiles a template written in a config, so syntax errors
// are reported with their place.
func (t *Template) DecodeNode(n *pipes.Node) pipes.Errors {
	if n.Kind != pipes.String {
		return pipes.Errors{pipes.Errorf(n, "expected a template string, got %s", n.Describe())}
	}
	parsed, err := Parse(n.Str)
	if err != nil {
		return pipes.Errors{pipes.Errorf(n, "%v", err)}
	}
	*t = *parsed
	return nil
}

// IsSet reports whether the config gave a template.
func (t *Template) IsSet() bool { return t != nil && t.Src != "" }

// Render renders the template with vars.
func (t *Template) Render(vars map[string]any) (string, error) {
	if t.plain {
		return t.Src, nil
	}
	if t.parts != nil {
		if s, ok := t.renderSimple(vars); ok {
			return s, nil
		}
	}
	out, err := t.tpl.ExecuteToString(exec.NewContext(materialize(vars)))
	if err != nil {
		return "", fmt.Errorf("template %q: %w", t.Src, err)
	}
	return out, nil
}
