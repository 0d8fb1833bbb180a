package pipes

import (
	"fmt"
	"slices"
	"strings"
)

// Expander is a component config that stands for other components of its
// kind, chosen or generated when the config loads: a conditional picks one
// of its alternatives, a template transform becomes a chain of transforms.
// The loader decodes the expansion in the expander's place, so the engine
// only ever builds plain components.
type Expander interface {
	Expand() (Expansion, error)
}

// Expansion is what an Expander stands for.
type Expansion struct {
	// Use are the component configs to decode in the expander's place, in
	// order. A source or sink expands to exactly one.
	Use []*Node
	// Check are configs that are checked but not used, such as the
	// alternatives a conditional did not pick: their problems are
	// warnings, so a config may name a type that only another environment
	// uses.
	Check []*Node
	// CheckLabels name each Check config in its warnings.
	CheckLabels []string
}

// maxExpansions bounds expanders expanding to expanders.
const maxExpansions = 16

// Conditional is the config of Sesam's "conditional" source, transform
// and sink: the alternative keyed by the value of condition (typically
// $ENV(node-env)) is used, resolved when the config loads.
type Conditional struct {
	Condition    string           `json:"condition" cfg:"required" example:"\"$ENV(node-env)\"" doc:"the key of the alternative to use, typically an environment variable; every value it can take needs an alternative"`
	Alternatives map[string]*Node `json:"alternatives" cfg:"required" type:"object: key → component config" doc:"the component configs to choose from, keyed by the values of condition; the alternatives not chosen are checked too, and their problems are only warnings"`
}

// Validate checks that condition picks an alternative.
func (c *Conditional) Validate() error {
	if _, ok := c.Alternatives[c.Condition]; !ok {
		keys := c.keys()
		if len(keys) == 0 {
			return &FieldError{Field: "alternatives", Err: fmt.Errorf("alternatives is empty")}
		}
		return &FieldError{Field: "condition", Err: fmt.Errorf("condition is %q, which names no alternative (alternatives: %s)", c.Condition, knownList(keys))}
	}
	return nil
}

func (c *Conditional) keys() []string {
	keys := make([]string, 0, len(c.Alternatives))
	for k := range c.Alternatives {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Expand uses the chosen alternative and checks the others. A transform
// alternative may be a list of transforms.
func (c *Conditional) Expand() (Expansion, error) {
	var x Expansion
	x.Use = items(c.Alternatives[c.Condition])
	for _, k := range c.keys() {
		if k == c.Condition {
			continue
		}
		for _, n := range items(c.Alternatives[k]) {
			x.Check = append(x.Check, n)
			x.CheckLabels = append(x.CheckLabels, fmt.Sprintf("alternative %q (not chosen)", k))
		}
	}
	return x, nil
}

// Chained is the config of Sesam's "chained" transform: a list of
// transforms standing as one, as the capture-response pattern uses.
type Chained struct {
	Transforms []*Node `json:"transforms" cfg:"required" type:"list of transform configs" doc:"the transforms, applied in order"`
}

// Expand uses the transforms in order.
func (c *Chained) Expand() (Expansion, error) { return Expansion{Use: c.Transforms}, nil }

// items is a list node's items, or the node itself.
func items(n *Node) []*Node {
	if n != nil && n.Kind == Array {
		return n.Items
	}
	return []*Node{n}
}

// expanded decodes one component and, when its config is an Expander,
// what it stands for in its place.
func (l *loader) expanded(kind string, n *Node, pipeID string, depth int) ([]Component, bool) {
	c, ok := l.component(kind, n, pipeID)
	x, isExpander := c.Config.(Expander)
	if !ok || !isExpander {
		return []Component{c}, ok
	}
	if depth >= maxExpansions {
		l.errs.Add(n, "more than %d nested conditional or template components", maxExpansions)
		return nil, false
	}
	exp, err := x.Expand()
	if err != nil {
		l.add(AsErrors(n, err))
		return nil, false
	}
	if kind != "transform" && len(exp.Use) != 1 {
		l.errs.Add(n, "a %s %s stands for exactly one %s, not %d", c.Type, kind, kind, len(exp.Use))
		return nil, false
	}
	var out []Component
	for _, u := range exp.Use {
		cs, uok := l.expanded(kind, u, pipeID, depth+1)
		ok = ok && uok
		out = append(out, cs...)
	}
	for i, chk := range exp.Check {
		l.checkOnly(kind, chk, pipeID, exp.CheckLabels[i], depth+1)
	}
	return out, ok
}

// checkOnly decodes a component that will not be used, turning its
// problems into warnings that say which alternative they are in.
func (l *loader) checkOnly(kind string, n *Node, pipeID, label string, depth int) {
	sub := &loader{opts: l.opts, cfg: &Config{Dir: l.cfg.Dir}, ids: map[string]*Node{}, unresolved: l.unresolved}
	sub.expanded(kind, n, pipeID, depth)
	for _, e := range sub.errs {
		w := *e
		if !w.Warning {
			w.Warning = true
			w.Msg = label + ": " + strings.TrimSpace(w.Msg)
		}
		l.errs = append(l.errs, &w)
	}
}
