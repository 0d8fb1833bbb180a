package jinja

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/dtl"
)

func TestTemplateRender(t *testing.T) {
	vars := map[string]any{
		"entity":     map[string]any{"id": "a/1", "n": int64(12), "f": 2.5, "flag": true, "amp": "a&b<c>"},
		"properties": map[string]any{"x": "px"},
		"body":       map[string]any{"from": int64(10), "count": int64(5), "next": "p2"},
		"id":         "top",
	}
	for _, c := range []struct{ src, want string }{
		{"plain text", "plain text"},
		{"items/{{ entity.id }}", "items/a/1"},
		{"items/{{ entity['id'] }}", "items/a/1"},
		{"{{ properties.x }}", "px"},
		{"{{ id }}", "top"},
		{"{{ body.from + body.count }}", "15"},
		{"?offset={{ body.from + body.count }}&n={{ entity.n }}", "?offset=15&n=12"},
		{"{{ entity.n }}", "12"},
		{"{{ entity.n * 2 }}", "24"},
		{"{{ entity.f }}", "2.5"},
		{"{% if entity.flag %}yes{% else %}no{% endif %}", "yes"},
		{"{% if entity.n > 100 %}big{% else %}small{% endif %}", "small"},
		{"{% if entity.nothing is defined %}x{% else %}undefined{% endif %}", "undefined"},
		{"{{ entity.missing }}", ""},
		// The simple substitution path and the engine render alike.
		{"{{ entity.amp }}", "a&b<c>"},
		{"{{ entity.amp ~ '' }}", "a&b<c>"},
	} {
		tpl, err := Parse(c.src)
		if err != nil {
			t.Errorf("%s: %v", c.src, err)
			continue
		}
		got, err := tpl.Render(vars)
		if err != nil {
			t.Errorf("%s: %v", c.src, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s rendered %q, want %q", c.src, got, c.want)
		}
	}
}

func TestTemplateIntegersFromJSONHaveNoFraction(t *testing.T) {
	v := fromJSONNumbers(map[string]any{"a": json.Number("7"), "b": json.Number("12345678901234567890123"), "c": json.Number("1.5"), "d": []any{json.Number("3")}})
	tpl, err := Parse("{{ x.a }}/{{ x.b }}/{{ x.c }}/{{ x.d[0] + 1 }}")
	if err != nil {
		t.Fatal(err)
	}
	got, err := tpl.Render(map[string]any{"x": v})
	if err != nil {
		t.Fatal(err)
	}
	if got != "7/12345678901234567890123/1.5/4" {
		t.Errorf("got %q", got)
	}
}

func TestTemplateErrors(t *testing.T) {
	for _, src := range []string{"{{ x", "{% if %}", "{% endif %}", "{% for x in y %}"} {
		if _, err := Parse(src); err == nil {
			t.Errorf("%q parsed", src)
		}
	}
	tpl, err := Parse("{{ entity.a.b }}")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tpl.Render(map[string]any{"entity": map[string]any{}}); err == nil || !strings.Contains(err.Error(), "entity.a.b") {
		t.Errorf("attribute of an undefined value: %v", err)
	}
}

// TestMembersAreVariables: the members of the Members dict are variables
// below the map's own, on the simple path and in the engine alike, and
// DTL values render in their plain form.
func TestMembersAreVariables(t *testing.T) {
	v, err := dtl.DecodeJSON([]byte(`{"id": "e1", "n": 7, "when": "~t2020-01-02T03:04:05Z", "sub": {"k": "v"}}`))
	if err != nil {
		t.Fatal(err)
	}
	d := v.(*dtl.Dict)
	vars := map[string]any{Members: d, "entity": d, "n": "own"}
	for _, c := range []struct{ src, want string }{
		{"{{ id }}/{{ sub.k }}", "e1/v"},         // simple path
		{"{{ id ~ '' }}/{{ sub['k'] }}", "e1/v"}, // engine
		{"{{ n }}", "own"},
		{"{{ n ~ '' }}", "own"},
		{"{{ entity.n }}", "7"},
		{"{{ entity.n + 1 }}", "8"},
		{"{{ when ~ '' }}", "2020-01-02T03:04:05Z"},
	} {
		tpl, err := Parse(c.src)
		if err != nil {
			t.Fatalf("%s: %v", c.src, err)
		}
		got, err := tpl.Render(vars)
		if err != nil || got != c.want {
			t.Errorf("%s rendered %q (%v), want %q", c.src, got, err, c.want)
		}
	}
}

func TestSyntaxError(t *testing.T) {
	_, err := Parse("{{ x")
	var se *SyntaxError
	if !errors.As(err, &se) || se.Src != "{{ x" || !strings.HasPrefix(err.Error(), `bad template "{{ x": `) || err.Error() != `bad template "{{ x": `+se.Err.Error() {
		t.Errorf("error %v", err)
	}
}
