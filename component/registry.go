package component

import (
	"errors"
	"fmt"
	"sort"
)

// Kind is a family of components.
type Kind string

// The component kinds a pipe config refers to.
const (
	KindSource    Kind = "source"
	KindTransform Kind = "transform"
	KindSink      Kind = "sink"
	KindSystem    Kind = "system"
)

// Spec describes one component type.
type Spec struct {
	Kind Kind
	Type string
	// Doc introduces the type in the configuration reference (Markdown);
	// its properties are documented by the tags of its config struct
	// (see pipes.Field).
	Doc string
	// Example is a JSON config of the type; the reference shows it, and a
	// test checks that it loads without a problem.
	Example string
	// NewConfig returns a pointer to a config struct holding the defaults;
	// the config loader decodes the user's JSON over it strictly.
	NewConfig func() any
	// Build makes the component from a decoded config.
	Build func(cfg any, env Env) (any, error)
}

// Registry maps kind and type names to specs. Build one per program (or per
// test) and register what it should know; there is no global registry.
type Registry struct {
	specs map[Kind]map[string]Spec
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{specs: map[Kind]map[string]Spec{}} }

// Register adds a spec; it refuses an empty or duplicate type name.
func (r *Registry) Register(s Spec) error {
	switch {
	case s.Kind == "":
		return errors.New("register component: empty kind")
	case s.Type == "":
		return fmt.Errorf("register %s: empty type name", s.Kind)
	case s.NewConfig == nil || s.Build == nil:
		return fmt.Errorf("register %s %q: NewConfig and Build are required", s.Kind, s.Type)
	}
	if r.specs[s.Kind] == nil {
		r.specs[s.Kind] = map[string]Spec{}
	}
	if _, dup := r.specs[s.Kind][s.Type]; dup {
		return fmt.Errorf("register %s %q: already registered", s.Kind, s.Type)
	}
	r.specs[s.Kind][s.Type] = s
	return nil
}

// MustRegister is Register for program set-up, where a failure is a bug.
func (r *Registry) MustRegister(specs ...Spec) {
	for _, s := range specs {
		if err := r.Register(s); err != nil {
			panic(err)
		}
	}
}

// Lookup finds a spec.
func (r *Registry) Lookup(kind Kind, typ string) (Spec, bool) {
	s, ok := r.specs[kind][typ]
	return s, ok
}

// NewConfig returns a fresh default config for a type; the config loader
// calls it through its own small interface.
func (r *Registry) NewConfig(kind, typ string) (any, bool) {
	s, ok := r.Lookup(Kind(kind), typ)
	if !ok {
		return nil, false
	}
	return s.NewConfig(), true
}

// Types lists the type names of a kind, sorted.
func (r *Registry) Types(kind string) []string {
	var out []string
	for t := range r.specs[Kind(kind)] {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Build makes a component of the given kind and checks that it implements T.
func Build[T any](r *Registry, kind Kind, typ string, cfg any, env Env) (T, error) {
	var zero T
	s, ok := r.Lookup(kind, typ)
	if !ok {
		return zero, fmt.Errorf("unknown %s type %q", kind, typ)
	}
	c, err := s.Build(cfg, env)
	if err != nil {
		return zero, fmt.Errorf("%s %q: %w", kind, typ, err)
	}
	t, ok := c.(T)
	if !ok {
		return zero, fmt.Errorf("%s %q: built %T, which is not a %s", kind, typ, c, kind)
	}
	return t, nil
}

// WithExample returns the spec with its example config.
func (s Spec) WithExample(example string) Spec {
	s.Example = example
	return s
}

// Typed makes a Spec from a typed config constructor and builder, so
// component code never handles `any`.
func Typed[C any, T any](kind Kind, typ, doc string, defaults func() *C, build func(*C, Env) (T, error)) Spec {
	return Spec{
		Kind:      kind,
		Type:      typ,
		Doc:       doc,
		NewConfig: func() any { return defaults() },
		Build: func(cfg any, env Env) (any, error) {
			c, ok := cfg.(*C)
			if !ok {
				return nil, fmt.Errorf("config is %T, want %T", cfg, c)
			}
			return build(c, env)
		},
	}
}
