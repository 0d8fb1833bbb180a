package dtl

import (
	"fmt"
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
	steps    []string
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
