package transforms

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/pipes"
)

var updateTemplates = flag.Bool("update-templates", false, "rewrite the expected expansions in testdata/template")

// expandFile decodes a template transform config (without "type") from
// file and expands it.
func expandFile(t *testing.T, name string, data []byte) (pipes.Expansion, error) {
	t.Helper()
	n, err := pipes.Parse(name, data)
	if err != nil {
		t.Fatal(err)
	}
	var c TemplateConfig
	if errs := pipes.Decode(n, &c); errs.HasErrors() {
		return pipes.Expansion{}, errs
	}
	return c.Expand()
}

// render writes the expanded transforms as JSON, a value on one line when
// it fits in 100 characters, so DTL statements read as they are written.
func render(t *testing.T, x pipes.Expansion) []byte {
	t.Helper()
	var b bytes.Buffer
	list := &pipes.Node{Kind: pipes.Array, Items: x.Use}
	pretty(&b, list, "")
	b.WriteString("\n")
	return b.Bytes()
}

func pretty(b *bytes.Buffer, n *pipes.Node, indent string) {
	compact := n.JSON()
	if len(compact)+len(indent) <= 100 || (n.Kind != pipes.Array && n.Kind != pipes.Object) {
		var c bytes.Buffer
		_ = json.Compact(&c, compact)
		// One space after , and : as people write JSON.
		b.WriteString(spaced(c.String()))
		return
	}
	open, close := "[", "]"
	if n.Kind == pipes.Object {
		open, close = "{", "}"
	}
	b.WriteString(open + "\n")
	inner := indent + "  "
	count := len(n.Items)
	if n.Kind == pipes.Object {
		count = len(n.Members)
	}
	for i := range count {
		b.WriteString(inner)
		if n.Kind == pipes.Object {
			k, _ := json.Marshal(n.Members[i].Key)
			b.Write(k)
			b.WriteString(": ")
			pretty(b, n.Members[i].Value, inner)
		} else {
			pretty(b, n.Items[i], inner)
		}
		if i < count-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString(indent + close)
}

// spaced puts a space after the commas and colons outside strings of
// compact JSON.
func spaced(s string) string {
	var b strings.Builder
	inStr, esc := false, false
	for _, r := range s {
		b.WriteRune(r)
		switch {
		case esc:
			esc = false
		case inStr && r == '\\':
			esc = true
		case r == '"':
			inStr = !inStr
		case !inStr && (r == ',' || r == ':'):
			b.WriteRune(' ')
		}
	}
	return b.String()
}

// TestTemplateExpansions checks each testdata/template/*.in.json (a
// template transform's config) against the transforms it expands to in
// the .out.json beside it. go test ./transforms -run TestTemplateExpansions
// -update-templates rewrites them.
func TestTemplateExpansions(t *testing.T) {
	ins, _ := filepath.Glob("testdata/template/*.in.json")
	if len(ins) == 0 {
		t.Fatal("no cases")
	}
	for _, in := range ins {
		name := strings.TrimSuffix(filepath.Base(in), ".in.json")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			x, err := expandFile(t, in, data)
			if err != nil {
				t.Fatalf("expand: %v", err)
			}
			got := render(t, x)
			out := strings.TrimSuffix(in, ".in.json") + ".out.json"
			if *updateTemplates {
				if err := os.WriteFile(out, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(out)
			if err != nil {
				t.Fatalf("%v (run with -update-templates to write it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s expands to\n%s\nwant (%s)\n%s", in, got, out, want)
			}
		})
	}
}

// TestBuiltinTemplatesUseEveryProperty catches a declared property that
// the template never uses, and a template that does not parse.
func TestBuiltinTemplatesUseEveryProperty(t *testing.T) {
	ts, err := builtinTemplates()
	if err != nil {
		t.Fatal(err)
	}
	if got := TemplateNames(); !slices.Equal(got, []string{"transform-collect-rest", "transform-defaults-rest", "transform-share-rest"}) {
		t.Errorf("built-in templates: %v", got)
	}
	for name, b := range ts {
		used := placeholderNames(b.transforms)
		for _, p := range b.props {
			used = append(used, placeholderNames(p.def)...)
		}
		var conds func(n *pipes.Node)
		conds = func(n *pipes.Node) {
			switch n.Kind {
			case pipes.Array:
				for _, it := range n.Items {
					conds(it)
				}
			case pipes.Object:
				if c := n.Get("$if"); c != nil {
					first, _, _ := strings.Cut(c.Str, ".")
					used = append(used, first)
				}
				for _, m := range n.Members {
					conds(m.Value)
				}
			}
		}
		conds(b.transforms)
		for _, p := range b.props {
			if !slices.Contains(used, p.name) {
				t.Errorf("%s: property %q is declared but never used", name, p.name)
			}
			if p.doc == "" {
				t.Errorf("%s: property %q has no doc", name, p.name)
			}
		}
	}
}

func TestSplitTemplate(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []templatePart
		err  string
	}{
		{in: "plain", want: []templatePart{{text: "plain"}}},
		{in: "{{@ a @}}", want: []templatePart{{name: "a"}}},
		{in: "{{@a@}}-x-{{@  b_2 @}}", want: []templatePart{{name: "a"}, {text: "-x-"}, {name: "b_2"}}},
		{in: "{{@ a", err: "placeholder not closed"},
		{in: "{{@ a.b @}}", err: `placeholder "a.b" is not a name`},
		{in: "{{@ @}}", err: `placeholder "" is not a name`},
	} {
		got, err := splitTemplate(c.in)
		switch {
		case c.err != "":
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want %q", c.in, err, c.err)
			}
		case err != nil:
			t.Errorf("%q: %v", c.in, err)
		case !slices.Equal(got, c.want):
			t.Errorf("%q: %+v, want %+v", c.in, got, c.want)
		}
	}
}

// FuzzTemplateExpand feeds arbitrary template bodies and properties to
// the expansion: it may refuse them, never panic.
func FuzzTemplateExpand(f *testing.F) {
	f.Add(`{"properties": {"a": {"type": "string", "default": "x"}}, "transforms": [{"type": "dtl", "rules": {"default": [["add", "{{@ a @}}", 1]]}}]}`, `{"a": "b"}`)
	f.Add(`{"properties": {"r": {"type": "object"}}, "transforms": {"type": "dtl", "rules": {"{{@ r @}}": "...", "default": []}}}`, `{"r": {"default": []}}`)
	f.Add(`{"properties": {"c": {}}, "transforms": [{"$if": "c.d", "$then": {"x": "{{@ c @}}"}, "$else": "{{@ c @}}-{{@ c @}}"}]}`, `{"c": {"d": true}}`)
	f.Add(`{"properties": {"k": {"type": "keys", "required": true}, "l": {"type": "keys", "default": "{{@ k @}}"}}, "transforms": ["{{@ l @}}"]}`, `{"k": ["a", "b"]}`)
	f.Fuzz(func(t *testing.T, body, props string) {
		bn, err := pipes.Parse("body", []byte(body))
		if err != nil {
			return
		}
		pn, err := pipes.Parse("props", []byte(props))
		if err != nil {
			return
		}
		c := &TemplateConfig{Template: bn, Properties: pn}
		if c.Validate() != nil {
			return
		}
		x, err := c.Expand()
		if err == nil {
			for _, n := range x.Use {
				_ = n.JSON()
			}
		}
	})
}
