package rest

import (
	"fmt"
	"strings"
	"sync"

	"github.com/sluice-sync/sluice/jinja"
)

// templates caches the compiled templates found inside config values
// (payload, headers, params), which are plain JSON in the config.
var templates sync.Map // source → *jinja.Template

func cachedTemplate(src string) (*jinja.Template, error) {
	if t, ok := templates.Load(src); ok {
		return t.(*jinja.Template), nil
	}
	t, err := jinja.Parse(src)
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
				j, err := jinja.DecodeJSON([]byte(body))
				if err != nil {
					return nil, false, fmt.Errorf("%s value %q is not JSON: %w", mark, body, err)
				}
				return j, false, nil
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
