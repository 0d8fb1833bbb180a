package transforms

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/sluice-sync/sluice/pipes"
)

// A template body is JSON: {"description": ..., "properties": {name:
// declaration}, "transforms": [transform configs]}. In the transforms,
//
//   - a string that is one placeholder, "{{@ name @}}", becomes the
//     property's JSON value (objects, lists and booleans pass through; a
//     property that is not set leaves the member out);
//   - placeholders inside a longer string (keys too) are replaced by the
//     property's text;
//   - a member "{{@ name @}}": "..." spreads the members of an object
//     property into its object;
//   - {"$if": "name", "$then": X, "$else": Y} is X when the property (or a
//     dotted path into it, "rules.lookup_rewrite") is set and not empty,
//     else Y; without Y it leaves its member or list item out.
const (
	placeholderOpen  = "{{@"
	placeholderClose = "@}}"
	spreadValue      = "..."
)

// templateBody is a parsed template.
type templateBody struct {
	name        string // as messages name it: the built-in's name, or "inline"
	builtin     bool
	description string
	props       []*templateProp // in declaration order
	transforms  *pipes.Node
}

// templateProp declares one property of a template.
type templateProp struct {
	name     string
	typ      string
	required bool
	def      *pipes.Node // may hold placeholders of other properties
	requires []string
	doc      string
	node     *pipes.Node
}

// propDecl is a property declaration as written.
type propDecl struct {
	Type     string      `json:"type" enum:"string,boolean,object,keys,any" doc:"the JSON type of the value: keys is a string or a list of strings, read as a list"`
	Required bool        `json:"required" doc:"the property must be given"`
	Default  *pipes.Node `json:"default" doc:"the value when the property is not given; may use other properties' placeholders"`
	Requires []string    `json:"requires" doc:"properties that must be set when this one is"`
	Doc      string      `json:"doc" doc:"what the property is for"`
}

// bodyDoc is a template body as written.
type bodyDoc struct {
	Description string      `json:"description" doc:"what the template does"`
	Properties  *pipes.Node `json:"properties" doc:"the declarations of its properties"`
	Transforms  *pipes.Node `json:"transforms" cfg:"required" doc:"the transforms it stands for"`
}

// parseBody reads a template body and checks that every placeholder and
// condition names a declared property.
func parseBody(n *pipes.Node, name string, builtin bool) (*templateBody, pipes.Errors) {
	var doc bodyDoc
	if errs := pipes.Decode(n, &doc); errs.HasErrors() {
		return nil, errs
	}
	b := &templateBody{name: name, builtin: builtin, description: doc.Description, transforms: doc.Transforms}
	var errs pipes.Errors
	if p := doc.Properties; p != nil {
		if p.Kind != pipes.Object {
			return nil, pipes.Errors{pipes.Errorf(p, "template %s: properties is an object of declarations, not %s", name, p.Describe())}
		}
		for _, m := range p.Members {
			var d propDecl
			if es := pipes.Decode(m.Value, &d); es.HasErrors() {
				errs = append(errs, es...)
				continue
			}
			if d.Type == "" {
				d.Type = "any"
			}
			b.props = append(b.props, &templateProp{name: m.Key, typ: d.Type, required: d.Required, def: d.Default, requires: d.Requires, doc: d.Doc, node: m.Value})
		}
	}
	for _, p := range b.props {
		for _, r := range p.requires {
			if b.prop(r) == nil {
				errs = append(errs, pipes.Errorf(p.node, "template %s: property %q requires %q, which is not declared", name, p.name, r))
			}
		}
		if p.def != nil {
			errs = append(errs, b.check(p.def)...)
		}
	}
	errs = append(errs, b.check(b.transforms)...)
	if errs.HasErrors() {
		return nil, errs
	}
	return b, nil
}

func (b *templateBody) prop(name string) *templateProp {
	for _, p := range b.props {
		if p.name == name {
			return p
		}
	}
	return nil
}

func (b *templateBody) names() []string {
	out := make([]string, len(b.props))
	for i, p := range b.props {
		out[i] = p.name
	}
	return out
}

// check finds placeholders and conditions that name no declared property,
// and malformed conditions and spreads.
func (b *templateBody) check(n *pipes.Node) pipes.Errors {
	var errs pipes.Errors
	known := func(at *pipes.Node, name, what string) {
		if b.prop(name) == nil {
			errs = append(errs, pipes.Errorf(at, "template %s: %s names no declared property%s", b.name, what, pipes.Suggest(name, b.names())))
		}
	}
	strs := func(at *pipes.Node, s string) {
		parts, err := splitTemplate(s)
		if err != nil {
			errs = append(errs, pipes.Errorf(at, "template %s: %v", b.name, err))
			return
		}
		for _, p := range parts {
			if p.name != "" {
				known(at, p.name, "placeholder "+placeholderOpen+" "+p.name+" "+placeholderClose)
			}
		}
	}
	var walk func(n *pipes.Node)
	walk = func(n *pipes.Node) {
		switch n.Kind {
		case pipes.String:
			strs(n, n.Str)
		case pipes.Array:
			for _, it := range n.Items {
				walk(it)
			}
		case pipes.Object:
			if cond := n.Lookup("$if"); cond != nil {
				for _, m := range n.Members {
					switch m.Key {
					case "$if":
						if m.Value.Kind != pipes.String || m.Value.Str == "" {
							errs = append(errs, pipes.Errorf(m.Value, "template %s: $if names a property, got %s", b.name, m.Value.Describe()))
							continue
						}
						name, _, _ := strings.Cut(m.Value.Str, ".")
						known(m.Value, name, "$if "+strconv.Quote(m.Value.Str))
					case "$then", "$else":
						walk(m.Value)
					default:
						errs = append(errs, pipes.Errorf(m.Value, "template %s: a $if object holds only $if, $then and $else, not %q", b.name, m.Key))
					}
				}
				if n.Get("$then") == nil {
					errs = append(errs, pipes.Errorf(n, "template %s: $if without $then", b.name))
				}
				return
			}
			for _, m := range n.Members {
				key := &pipes.Node{Kind: pipes.String, Str: m.Key, Pos: m.KeyPos, Pointer: m.Value.Pointer}
				if name, whole := wholePlaceholder(m.Key); whole {
					known(key, name, "spread "+placeholderOpen+" "+name+" "+placeholderClose)
					if m.Value.Kind != pipes.String || m.Value.Str != spreadValue {
						errs = append(errs, pipes.Errorf(m.Value, "template %s: a spread member's value is %q", b.name, spreadValue))
					}
					continue
				}
				strs(key, m.Key)
				walk(m.Value)
			}
		}
	}
	if n != nil {
		walk(n)
	}
	return errs
}

// templatePart is literal text or a placeholder.
type templatePart struct {
	text string
	name string // "" for text
}

// splitTemplate splits s into text and {{@ name @}} placeholders.
func splitTemplate(s string) ([]templatePart, error) {
	var parts []templatePart
	for {
		i := strings.Index(s, placeholderOpen)
		if i < 0 {
			if s != "" {
				parts = append(parts, templatePart{text: s})
			}
			return parts, nil
		}
		if i > 0 {
			parts = append(parts, templatePart{text: s[:i]})
		}
		rest := s[i+len(placeholderOpen):]
		j := strings.Index(rest, placeholderClose)
		if j < 0 {
			return nil, fmt.Errorf("placeholder not closed: expected %s", placeholderClose)
		}
		name := strings.TrimSpace(rest[:j])
		if !isName(name) {
			return nil, fmt.Errorf("placeholder %q is not a name: write %s name %s", name, placeholderOpen, placeholderClose)
		}
		parts = append(parts, templatePart{name: name})
		s = rest[j+len(placeholderClose):]
	}
}

// wholePlaceholder reports whether s is exactly one placeholder.
func wholePlaceholder(s string) (string, bool) {
	parts, err := splitTemplate(s)
	if err != nil || len(parts) != 1 || parts[0].name == "" {
		return "", false
	}
	return parts[0].name, true
}

func isName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		letter := c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// binding is a template with its properties' values.
type binding struct {
	body   *templateBody
	values map[string]*pipes.Node // set properties (given, or from their default)
	file   string                 // the Pos.File of the template's own nodes in the expansion; "" keeps them
	errs   pipes.Errors
}

// bind checks the given properties against the declarations and works out
// every property's value.
func bind(b *templateBody, props *pipes.Node, file string) (*binding, pipes.Errors) {
	x := &binding{body: b, values: map[string]*pipes.Node{}, file: file}
	var errs pipes.Errors
	given := map[string]*pipes.Member{}
	for i := range props.Members {
		m := &props.Members[i]
		p := b.prop(m.Key)
		if p == nil {
			errs = append(errs, &pipes.Error{Pos: m.KeyPos, Pointer: m.Value.Pointer,
				Msg: fmt.Sprintf("template %s has no property %q%s (properties: %s)", b.name, m.Key, pipes.Suggest(m.Key, b.names()), quotedList(b.names()))})
			continue
		}
		v, err := p.value(m.Value)
		if err != nil {
			errs = append(errs, pipes.Errorf(m.Value, "template %s: %s: %v", b.name, p.name, err))
			continue
		}
		given[p.name] = m
		x.values[p.name] = v
	}
	for _, p := range b.props {
		if _, ok := given[p.name]; !ok && p.required {
			errs = append(errs, pipes.Errorf(props, "template %s: missing required property %q", b.name, p.name))
		}
	}
	if errs.HasErrors() {
		return nil, errs
	}
	// Defaults may use other properties, so they are worked out once every
	// given value is known, each at most once (a cycle is a bug in the
	// template).
	resolving := map[string]bool{}
	var resolve func(p *templateProp) *pipes.Node
	resolve = func(p *templateProp) *pipes.Node {
		if v, ok := x.values[p.name]; ok || p.def == nil {
			return v
		}
		if resolving[p.name] {
			x.errs = append(x.errs, pipes.Errorf(p.def, "template %s: the default of %q depends on itself", b.name, p.name))
			return nil
		}
		resolving[p.name] = true
		for _, name := range placeholderNames(p.def) {
			if q := b.prop(name); q != nil {
				resolve(q)
			}
		}
		v, keep := x.subst(p.def)
		if keep && v.Kind != pipes.Null {
			if nv, err := p.value(v); err == nil {
				v = nv
			}
			x.values[p.name] = v
		}
		return x.values[p.name]
	}
	for _, p := range b.props {
		resolve(p)
	}
	for _, p := range b.props {
		m, ok := given[p.name]
		if !ok {
			continue
		}
		for _, r := range p.requires {
			if !truthy(x.values[r]) {
				errs = append(errs, pipes.Errorf(m.Value, "template %s: %s needs %s", b.name, p.name, r))
			}
		}
	}
	errs = append(errs, x.errs...)
	if errs.HasErrors() {
		return nil, errs
	}
	return x, nil
}

// value checks a property's value against its type; a keys value becomes
// a list.
func (p *templateProp) value(n *pipes.Node) (*pipes.Node, error) {
	want := func(k pipes.Kind, what string) error {
		if n.Kind != k {
			return fmt.Errorf("expected %s, got %s", what, n.Describe())
		}
		return nil
	}
	switch p.typ {
	case "string":
		return n, want(pipes.String, "a string")
	case "boolean":
		return n, want(pipes.Bool, "a boolean")
	case "object":
		return n, want(pipes.Object, "an object")
	case "keys":
		switch n.Kind {
		case pipes.String:
			if n.Str == "" {
				return nil, fmt.Errorf("expected a property name, got an empty string")
			}
			return &pipes.Node{Kind: pipes.Array, Items: []*pipes.Node{n}, Pos: n.Pos, Pointer: n.Pointer}, nil
		case pipes.Array:
			if len(n.Items) == 0 {
				return nil, fmt.Errorf("expected at least one property name, got an empty list")
			}
			for _, it := range n.Items {
				if it.Kind != pipes.String || it.Str == "" {
					return nil, fmt.Errorf("expected a list of property names, got %s in it", it.Describe())
				}
			}
			return n, nil
		}
		return nil, fmt.Errorf("expected a property name or a list of them, got %s", n.Describe())
	}
	return n, nil
}

// placeholderNames lists the placeholders used in n.
func placeholderNames(n *pipes.Node) []string {
	var out []string
	var walk func(n *pipes.Node)
	add := func(s string) {
		parts, _ := splitTemplate(s)
		for _, p := range parts {
			if p.name != "" && !slices.Contains(out, p.name) {
				out = append(out, p.name)
			}
		}
	}
	walk = func(n *pipes.Node) {
		if n == nil {
			return
		}
		switch n.Kind {
		case pipes.String:
			add(n.Str)
		case pipes.Array:
			for _, it := range n.Items {
				walk(it)
			}
		case pipes.Object:
			for _, m := range n.Members {
				add(m.Key)
				walk(m.Value)
			}
		}
	}
	walk(n)
	return out
}

// truthy is what $if tests: set, and not null, false, "", [] or {}.
func truthy(n *pipes.Node) bool {
	if n == nil {
		return false
	}
	switch n.Kind {
	case pipes.Null:
		return false
	case pipes.Bool:
		return n.Bool
	case pipes.String:
		return n.Str != ""
	case pipes.Array:
		return len(n.Items) > 0
	case pipes.Object:
		return len(n.Members) > 0
	}
	return true
}

// condition evaluates a $if: a property, or a dotted path into one.
func (x *binding) condition(path string) bool {
	name, rest, _ := strings.Cut(path, ".")
	v := x.values[name]
	for rest != "" && v != nil {
		var step string
		step, rest, _ = strings.Cut(rest, ".")
		v = v.Get(step)
	}
	return truthy(v)
}

// own copies a node of the template itself, placing it in x.file.
func (x *binding) own(n *pipes.Node) *pipes.Node {
	c := &pipes.Node{Kind: n.Kind, Str: n.Str, Bool: n.Bool, Pos: n.Pos, Pointer: n.Pointer, Secret: n.Secret}
	if x.file != "" {
		c.Pos.File = x.file
	}
	return c
}

// subst expands a template node. keep is false when the node leaves its
// member or list item out: a $if without $else whose property is not set,
// or a whole placeholder of a property that is not set.
func (x *binding) subst(n *pipes.Node) (out *pipes.Node, keep bool) {
	switch n.Kind {
	case pipes.String:
		return x.str(n)
	case pipes.Array:
		c := x.own(n)
		for _, it := range n.Items {
			if v, ok := x.subst(it); ok {
				c.Items = append(c.Items, v)
			}
		}
		return c, true
	case pipes.Object:
		if cond := n.Get("$if"); cond != nil {
			branch := n.Get("$else")
			if x.condition(cond.Str) {
				branch = n.Get("$then")
			}
			if branch == nil {
				return nil, false
			}
			return x.subst(branch)
		}
		c := x.own(n)
		spread := map[string]string{} // member → the property it was spread from
		add := func(m pipes.Member, from string) {
			i := slices.IndexFunc(c.Members, func(o pipes.Member) bool { return o.Key == m.Key })
			if i < 0 {
				if from != "" {
					spread[m.Key] = from
				}
				c.Members = append(c.Members, m)
				return
			}
			// Blame the member that came from a property, not the
			// template's own.
			blame, prop := m, from
			if prop == "" {
				blame, prop = c.Members[i], spread[m.Key]
			}
			x.errs = append(x.errs, &pipes.Error{Pos: blame.KeyPos, Pointer: blame.Value.Pointer,
				Msg: fmt.Sprintf("%s: %q is already defined by template %s; give it another name", prop, m.Key, x.body.name)})
		}
		for _, m := range n.Members {
			if name, whole := wholePlaceholder(m.Key); whole {
				if v := x.values[name]; v != nil {
					if v.Kind != pipes.Object {
						x.errs = append(x.errs, pipes.Errorf(v, "template %s: %s is spread into an object, so it must be an object, not %s", x.body.name, name, v.Describe()))
						continue
					}
					for _, sm := range v.Members {
						add(sm, name)
					}
				}
				continue
			}
			key, ok := x.text(&pipes.Node{Kind: pipes.String, Str: m.Key, Pos: m.KeyPos, Pointer: m.Value.Pointer})
			if !ok {
				continue
			}
			v, keep := x.subst(m.Value)
			if !keep {
				continue
			}
			pos := m.KeyPos
			if x.file != "" {
				pos.File = x.file
			}
			add(pipes.Member{Key: key, KeyPos: pos, Value: v}, "")
		}
		return c, true
	}
	return x.own(n), true
}

// str expands a string: a whole placeholder is the property's value.
func (x *binding) str(n *pipes.Node) (*pipes.Node, bool) {
	if name, whole := wholePlaceholder(n.Str); whole {
		v := x.values[name]
		return v, v != nil
	}
	s, ok := x.text(n)
	c := x.own(n)
	c.Str = s
	return c, ok
}

// text replaces the placeholders inside a string by their properties'
// text.
func (x *binding) text(n *pipes.Node) (string, bool) {
	parts, err := splitTemplate(n.Str)
	if err != nil {
		x.errs = append(x.errs, pipes.Errorf(n, "template %s: %v", x.body.name, err))
		return "", false
	}
	var b strings.Builder
	for _, p := range parts {
		if p.name == "" {
			b.WriteString(p.text)
			continue
		}
		v := x.values[p.name]
		switch {
		case v == nil:
			x.errs = append(x.errs, pipes.Errorf(n, "template %s: %s %s %s is used in %q but the property is not set", x.body.name, placeholderOpen, p.name, placeholderClose, n.Str))
			return "", false
		case v.Kind == pipes.String:
			b.WriteString(v.Str)
		case v.Kind == pipes.Number:
			b.WriteString(v.Str)
		case v.Kind == pipes.Bool:
			b.WriteString(strconv.FormatBool(v.Bool))
		default:
			x.errs = append(x.errs, pipes.Errorf(v, "template %s: %s is used inside the text %q, so it must be a string, number or boolean, not %s", x.body.name, p.name, n.Str, v.Describe()))
			return "", false
		}
	}
	return b.String(), true
}

func quotedList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}
