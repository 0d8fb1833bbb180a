package transforms

import (
	"embed"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/pipes"
)

// The built-in templates are written in the same format a user may give
// inline, so each can be read, copied and overridden.
//
//go:embed templates/*.json
var templateFiles embed.FS

// builtinTemplates parses the built-in templates once.
var builtinTemplates = sync.OnceValues(func() (map[string]*templateBody, error) {
	entries, err := templateFiles.ReadDir("templates")
	if err != nil {
		return nil, err
	}
	out := map[string]*templateBody{}
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".json")
		data, err := templateFiles.ReadFile(path.Join("templates", e.Name()))
		if err != nil {
			return nil, err
		}
		n, err := pipes.Parse("template "+name, data)
		if err != nil {
			return nil, err
		}
		b, errs := parseBody(n, name, true)
		if errs.HasErrors() {
			return nil, errs
		}
		out[name] = b
	}
	return out, nil
})

// TemplateNames lists the built-in templates.
func TemplateNames() []string {
	ts, _ := builtinTemplates()
	names := make([]string, 0, len(ts))
	for n := range ts {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// TemplateConfig is the config of the "template" transform.
type TemplateConfig struct {
	Template   *pipes.Node `json:"template" cfg:"required" type:"string or object" example:"\"transform-share-rest\"" doc:"the built-in template to use by name, or a template body of your own (the format below), which replaces the built-in one"`
	Properties *pipes.Node `json:"properties" cfg:"required" type:"object" doc:"the template's properties; each template's are listed above"`
}

// Validate checks the shapes the expansion relies on.
func (c *TemplateConfig) Validate() error {
	var errs []error
	switch c.Template.Kind {
	case pipes.String:
		ts, err := builtinTemplates()
		if err != nil {
			return fmt.Errorf("the built-in templates do not load: %w", err)
		}
		if _, ok := ts[c.Template.Str]; !ok {
			errs = append(errs, &pipes.FieldError{Field: "template", Err: fmt.Errorf("unknown template %q%s (built-in templates: %s)", c.Template.Str, pipes.Suggest(c.Template.Str, TemplateNames()), quotedList(TemplateNames()))})
		}
	case pipes.Object:
	default:
		errs = append(errs, &pipes.FieldError{Field: "template", Err: fmt.Errorf("template is the name of a built-in template or a template body, not %s", c.Template.Describe())})
	}
	if c.Properties.Kind != pipes.Object {
		errs = append(errs, &pipes.FieldError{Field: "properties", Err: fmt.Errorf("expected an object, got %s", c.Properties.Describe())})
	}
	return errors.Join(errs...)
}

// body is the template the config names or gives.
func (c *TemplateConfig) body() (*templateBody, pipes.Errors) {
	if c.Template.Kind == pipes.Object {
		return parseBody(c.Template, "inline", false)
	}
	ts, err := builtinTemplates()
	if err != nil {
		return nil, pipes.AsErrors(c.Template, err)
	}
	return ts[c.Template.Str], nil
}

// Expand returns the transforms the template stands for, with its
// properties in place. The built-in template's own nodes are placed at
// "<where the template is used>: template <name>:line:col", so a problem
// in what it generates names both.
func (c *TemplateConfig) Expand() (pipes.Expansion, error) {
	b, errs := c.body()
	if errs.HasErrors() {
		return pipes.Expansion{}, errs
	}
	file := ""
	if b.builtin {
		file = c.Template.Pos.String() + ": template " + b.name
	}
	x, errs := bind(b, c.Properties, file)
	if errs.HasErrors() {
		return pipes.Expansion{}, errs
	}
	out, keep := x.subst(b.transforms)
	if len(x.errs) > 0 {
		return pipes.Expansion{}, x.errs
	}
	var use []*pipes.Node
	switch {
	case !keep:
	case out.Kind == pipes.Array:
		use = out.Items
	default:
		use = []*pipes.Node{out}
	}
	if len(use) == 0 {
		return pipes.Expansion{}, pipes.Errors{pipes.Errorf(c.Template, "template %s stands for no transform", b.name)}
	}
	return pipes.Expansion{Use: use}, nil
}

// TemplateSpec is the "template" transform.
var TemplateSpec = component.Expanding(component.KindTransform, "template", templateDoc(),
	func() *TemplateConfig { return &TemplateConfig{} }).
	WithExample(`{
  "type": "template",
  "template": "transform-share-rest",
  "properties": {
    "rest_system": "crm",
    "primary_key": "id",
    "share_dataset": "crm-contact-share",
    "operation_lookup": "contact-lookup",
    "operation_insert": "contact-insert",
    "operation_update": "contact-update",
    "operation_delete": "contact-delete"
  }
}`)

// templateDoc documents the transform and, from their declarations, each
// built-in template's properties.
func templateDoc() string {
	var b strings.Builder
	b.WriteString("Stands for a chain of `dtl` and `rest` transforms that a template generates from its `properties` when the config loads, " +
		"as Sesam's template transform does. The built-in templates implement Sesam's data synchronization patterns for a " +
		"[`system:rest`](systems.md#systemrest): `transform-collect-rest` for a collect pipe, `transform-share-rest` for a share pipe, " +
		"and `transform-defaults-rest`. Their source, `transforms/templates/*.json` in sluice's repository, is written in the template " +
		"format below, which `template` also takes inline to replace a built-in one. A problem in what a built-in template generates " +
		"is placed both where the template is used and in the template: `p.json:5:20: template transform-share-rest:36:24: ...`.\n\n")
	ts, err := builtinTemplates()
	if err != nil {
		b.WriteString("(The built-in templates do not load: " + err.Error() + ")\n")
		return b.String()
	}
	for _, name := range TemplateNames() {
		t := ts[name]
		fmt.Fprintf(&b, "**`%s`** — %s\n\n", name, t.description)
		b.WriteString("| property | type | default | |\n|---|---|---|---|\n")
		for _, p := range t.props {
			def := ""
			switch {
			case p.required:
				def = "required"
			case p.def != nil:
				def = "`" + strings.ReplaceAll(string(p.def.JSON()), "|", `\|`) + "`"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", p.name, typeName(p.typ), def, strings.ReplaceAll(p.doc, "|", `\|`))
		}
		b.WriteString("\n")
	}
	b.WriteString("**The share result.** Each entity a `transform-share-rest` passes on (into the share dataset) has the source's `_id`, " +
		"`$result` — `inserted`, `updated`, `deleted`, `failed` (the request was answered outside 2xx), `modified-in-system`, `unchanged`, " +
		"`not-in-system`, `lookup-failed` or `replaced` — and, where they apply, `$operation` (the request sent), `$status`, `$response`, " +
		"`$payload` (the body sent), `$based_on_lookup` (what the optimistic-locking comparison saw in the system), `$origin`, " +
		"`$generated_id` (the primary key the system gave an insert) and `$ids`; it is deleted when the result is `deleted`, `replaced` or " +
		"`not-in-system` for a deletion. The collect template hops into this dataset by `$generated_id` for `$origin`.\n\n")
	b.WriteString("**Template bodies.** `{\"description\": ..., \"properties\": {NAME: {\"type\": \"string\"|\"boolean\"|\"object\"|\"keys\"|\"any\", " +
		"\"required\": BOOL, \"default\": VALUE, \"requires\": [NAMES], \"doc\": ...}}, \"transforms\": [TRANSFORM, ...]}`. In the transforms, " +
		"a string that is one placeholder `\"{{@ name @}}\"` becomes the property's JSON value (a property that is not set leaves the member out); " +
		"placeholders inside longer strings and keys become the property's text; a member `\"{{@ name @}}\": \"...\"` spreads an object property's " +
		"members into its object; `{\"$if\": \"name\", \"$then\": X, \"$else\": Y}` is X when the property (or a dotted path into it) is set and " +
		"not empty, else Y or nothing. A `keys` property is a string or a list of strings and always expands to a list.")
	return b.String()
}

func typeName(t string) string {
	switch t {
	case "keys":
		return "string or list of strings"
	case "any":
		return "any"
	}
	return t
}
