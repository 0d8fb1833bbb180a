package dtl

import (
	"fmt"
	"slices"
	"strings"
)

// Walk follows steps from v the way path strings do: through a dict it
// takes the member; through a list it takes the member of each dict in
// it, flattening list members and dropping nulls, so "_S.orders.amount"
// gives the list of all amounts. Anything else ends the walk with null.
func Walk(v Value, steps []string) Value {
	return walkWith(v, steps, func(d *Dict, s string) Value {
		m, _ := d.Get(s)
		return m
	})
}

// walkWith is Walk with the way a dict member is read given by member.
func walkWith(v Value, steps []string, member func(*Dict, string) Value) Value {
	for _, s := range steps {
		switch x := v.(type) {
		case *Dict:
			v = member(x, s)
		case List:
			out := List{}
			for _, e := range x {
				d, ok := e.(*Dict)
				if !ok {
					continue
				}
				switch mv := member(d, s).(type) {
				case nil:
				case List:
					out = append(out, mv...)
				default:
					out = append(out, mv)
				}
			}
			v = out
		default:
			return nil
		}
	}
	return v
}

// pathVars are the variables a path string may start with.
var pathVars = []string{"_S", "_T", "_P", "_R", "_B", "_"}

// isPath reports whether a string literal in a rule is a path: it starts
// with one of the variables followed by a dot.
func isPath(s string) bool {
	for _, v := range pathVars {
		if strings.HasPrefix(s, v+".") {
			return true
		}
	}
	return false
}

// isPath reports whether s is a path here: a variable path, or inside
// hops a path that starts with one of the dataset aliases.
func (cp *Compiler) isPath(s string) bool {
	if isPath(s) {
		return true
	}
	if dot := strings.IndexByte(s, '.'); dot > 0 && cp.aliases[s[:dot]] {
		return true
	}
	return false
}

// aliasBinding binds a hops dataset alias to an entity.
type aliasBinding struct {
	name  string
	value Value
	next  *aliasBinding
}

// alias looks up a bound dataset alias.
func (c *Ctx) alias(name string) Value {
	for b := c.aliases; b != nil; b = b.next {
		if b.name == name {
			return b.value
		}
	}
	return nil
}

// WithAlias returns a copy of c with a dataset alias bound to v.
func (c *Ctx) WithAlias(name string, v Value) *Ctx {
	n := *c
	n.aliases = &aliasBinding{name: name, value: v, next: c.aliases}
	return &n
}

// splitPath splits "_S.foo.'john.doe”s'.bar" into its variable and steps.
// A trailing dot ("_S.") means the variable itself.
func splitPath(s string) (variable string, steps []string, err error) {
	dot := strings.IndexByte(s, '.')
	variable, rest := s[:dot], s[dot+1:]
	if rest == "" {
		return variable, nil, nil
	}
	steps, err = SplitSteps(rest)
	// A trailing dot after steps means the value they reach, as after the
	// variable: "_R._S." is the root's whole source entity.
	if n := len(steps); n > 0 && steps[n-1] == "" && strings.HasSuffix(rest, ".") {
		steps = steps[:n-1]
	}
	return variable, steps, err
}

// SplitSteps splits a dotted property path. A step may be quoted with
// single quotes to hold dots; a quote inside a quoted step is doubled.
func SplitSteps(s string) ([]string, error) {
	var steps []string
	for i := 0; i <= len(s); {
		if i < len(s) && s[i] == '\'' {
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(s) {
					return nil, fmt.Errorf("unterminated quote in path %q", s)
				}
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' {
						b.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(s[j])
				j++
			}
			steps = append(steps, b.String())
			j++
			if j < len(s) && s[j] != '.' {
				return nil, fmt.Errorf("a quoted step must be followed by '.' in path %q", s)
			}
			i = j + 1
			continue
		}
		end := strings.IndexByte(s[i:], '.')
		if end < 0 {
			steps = append(steps, s[i:])
			break
		}
		steps = append(steps, s[i:i+end])
		i += end + 1
	}
	return steps, nil
}

// pathExpr is a compiled path string.
type pathExpr struct {
	variable string
	steps    []string // the names to look up (":a" and "::a" resolved)
	// nsSteps is set, with namespaced identifiers on, when a step is an
	// unqualified name: Sesam defines a path string as the path function,
	// which then finds such a name in every namespace. An unqualified step
	// is the name, any other is "::" and its resolved name (see
	// nsPathMember). Nil otherwise, so that the walk stays the plain one.
	nsSteps []string
}

// newPath compiles the steps of a path string from variable.
func (cp *Compiler) newPath(variable string, steps []string) *pathExpr {
	p := &pathExpr{variable: variable, steps: cp.nsSteps(steps)}
	if !cp.opts.NamespacedIdentifiers || !slices.ContainsFunc(steps, unqualified) {
		return p
	}
	p.nsSteps = make([]string, len(steps))
	for i, s := range steps {
		if unqualified(s) {
			p.nsSteps[i] = s
		} else {
			p.nsSteps[i] = "::" + p.steps[i]
		}
	}
	return p
}

// nsPathMember reads a step of nsSteps: "::a" is exactly "a", anything
// else an unqualified name. The kinds are told apart when the path is
// compiled, so that a walk does not look into the names again.
func nsPathMember(d *Dict, s string) Value {
	if strings.HasPrefix(s, "::") {
		v, _ := d.Get(s[2:])
		return v
	}
	return d.inAnyNamespace(s)
}

// unqualified reports whether a step, with namespaced identifiers on,
// names a property in every namespace: it has no namespace and is not
// one of the names ("_id", "$ids") that never get one.
func unqualified(s string) bool {
	return !strings.Contains(s, ":") && !strings.HasPrefix(s, "_") && !strings.HasPrefix(s, "$")
}

// inAnyNamespace is the value of the unqualified name s in d: the member
// s or "<ns>:s" when one matches, else all their values in one list
// (nulls dropped, lists spread). It reads the keys in place and decodes
// only the members that match.
func (d *Dict) inAnyNamespace(s string) Value {
	first := -1
	var out List
	for i := range d.members {
		// k is s, or s after a first ':'.
		k := d.members[i].key
		n := len(k) - len(s)
		if n < 0 || (n > 0 && k[n-1] != ':') || k[n:] != s || (n > 1 && strings.IndexByte(k[:n-1], ':') >= 0) {
			continue
		}
		if first < 0 {
			first = i
			continue
		}
		if out == nil {
			out = appendSpread(List{}, d.At(first))
		}
		out = appendSpread(out, d.At(i))
	}
	switch {
	case first < 0:
		return nil
	case out == nil:
		return d.At(first)
	}
	return out
}

// appendSpread appends v to out, a list's members one by one; a null is
// left out.
func appendSpread(out List, v Value) List {
	switch x := v.(type) {
	case nil:
		return out
	case List:
		return append(out, x...)
	}
	return append(out, v)
}

func (p *pathExpr) Eval(c *Ctx) (Value, error) {
	var root Value
	switch p.variable {
	case "_S":
		root = c.S
	case "_T":
		if len(p.steps) == 0 {
			// The target keeps changing; hand out a snapshot.
			return c.T.Clone(), nil
		}
		root = c.T
	case "_":
		root = c.Item
	case "_B":
		root = c.B
	case "_P":
		if c.P == nil {
			return nil, nil
		}
		root = contextDict(c.P, true)
	case "_R":
		if c.R == nil {
			return nil, nil
		}
		root = contextDict(c.R, false)
	default:
		root = c.alias(p.variable)
	}
	if p.nsSteps != nil {
		return walkWith(root, p.nsSteps, nsPathMember), nil
	}
	return Walk(root, p.steps), nil
}

// contextDict presents a parent or root context as the dict _P / _R are.
func contextDict(c *Ctx, withParent bool) *Dict {
	d := NewDict(3)
	d.Set("_S", c.S)
	d.Set("_T", c.T.Clone())
	if withParent && c.P != nil {
		d.Set("_P", contextDict(c.P, true))
	}
	return d
}
