package rest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/nikolalohinski/gonja/v2"
	"github.com/nikolalohinski/gonja/v2/exec"

	"github.com/sluice-sync/sluice/pipes"
)

// Template is a Jinja template from a config string, compiled once. A
// string without template syntax renders as itself without the engine.
type Template struct {
	Src   string
	tpl   *exec.Template
	plain bool
}

// ParseTemplate compiles src.
func ParseTemplate(src string) (*Template, error) {
	t := &Template{Src: src}
	if !strings.Contains(src, "{{") && !strings.Contains(src, "{%") && !strings.Contains(src, "{#") {
		t.plain = true
		return t, nil
	}
	tpl, err := gonja.FromString(src)
	if err != nil {
		return nil, fmt.Errorf("bad template %q: %w", src, err)
	}
	t.tpl = tpl
	return t, nil
}

// DecodeNode compiles a template written in a config, so syntax errors
// are reported with their place.
func (t *Template) DecodeNode(n *pipes.Node) pipes.Errors {
	if n.Kind != pipes.String {
		return pipes.Errors{pipes.Errorf(n, "expected a template string, got %s", n.Describe())}
	}
	parsed, err := ParseTemplate(n.Str)
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
	out, err := t.tpl.ExecuteToString(exec.NewContext(vars))
	if err != nil {
		return "", fmt.Errorf("template %q: %w", t.Src, err)
	}
	return out, nil
}

// templates caches the compiled templates found inside config values
// (payload, headers, params), which are plain JSON in the config.
var templates sync.Map // source → *Template

func cachedTemplate(src string) (*Template, error) {
	if t, ok := templates.Load(src); ok {
		return t.(*Template), nil
	}
	t, err := ParseTemplate(src)
	if err != nil {
		return nil, err
	}
	templates.Store(src, t)
	return t, nil
}

// Markers a templated value may render to (Sesam's): markskip leaves the
// member out; markjson parses the rest of the string as JSON.
const (
	markSkip = "sesam:markskip"
	markJSON = "sesam:markjson"
)

// renderValue renders every string (keys too) in a JSON-like value as a
// template. skip reports a value that rendered to the skip marker.
func renderValue(v any, vars map[string]any) (out any, skip bool, err error) {
	switch x := v.(type) {
	case string:
		t, err := cachedTemplate(x)
		if err != nil {
			return nil, false, err
		}
		s, err := t.Render(vars)
		if err != nil {
			return nil, false, err
		}
		if strings.Contains(s, markSkip) {
			return nil, true, nil
		}
		for _, mark := range []string{markJSON, "system:markjson"} {
			if body, ok := strings.CutSuffix(s, mark); ok {
				var j any
				dec := json.NewDecoder(bytes.NewReader([]byte(body)))
				dec.UseNumber()
				if err := dec.Decode(&j); err != nil {
					return nil, false, fmt.Errorf("%s value %q is not JSON: %w", mark, body, err)
				}
				return fromJSONNumbers(j), false, nil
			}
		}
		return s, false, nil
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			rk, kskip, err := renderValue(k, vars)
			if err != nil {
				return nil, false, err
			}
			re, eskip, err := renderValue(e, vars)
			if err != nil {
				return nil, false, err
			}
			if kskip || eskip {
				continue
			}
			m[fmt.Sprint(rk)] = re
		}
		return m, false, nil
	case []any:
		l := make([]any, 0, len(x))
		for _, e := range x {
			re, skip, err := renderValue(e, vars)
			if err != nil {
				return nil, false, err
			}
			if !skip {
				l = append(l, re)
			}
		}
		return l, false, nil
	}
	return v, false, nil
}
