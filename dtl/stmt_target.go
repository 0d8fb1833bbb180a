package dtl

import (
	"strings"

	"github.com/sluice-sync/sluice/pipes"
)

// propertyName is a PROPERTY argument: a constant name, or an expression
// that yields one name or a list of names.
type propertyName struct {
	name string // constant (namespace rules applied), when expr is nil
	expr Expr
	opts Options
}

func (cp *Compiler) property(n *pipes.Node) propertyName {
	if n.Kind == pipes.String && !isPath(n.Str) {
		return propertyName{name: cp.opts.PropertyName(n.Str), opts: cp.opts}
	}
	return propertyName{expr: cp.Expr(n), opts: cp.opts}
}

// names calls fn for each property name.
func (p propertyName) names(c *Ctx, fn func(string)) error {
	if p.expr == nil {
		fn(p.name)
		return nil
	}
	v, err := p.expr.Eval(c)
	if err != nil {
		return err
	}
	for _, x := range AsList(v) {
		if s, ok := x.(string); ok {
			fn(p.opts.PropertyName(s))
		}
	}
	return nil
}

// addAction implements add, default and add-if.
type addAction struct {
	prop      propertyName
	value     Expr
	cond      Expr // add-if: evaluated with _ bound to the value
	onlyIfNew bool // default
	addIf     bool
}

func (a *addAction) Exec(c *Ctx) error {
	v, err := a.value.Eval(c)
	if err != nil {
		return err
	}
	if a.addIf {
		if a.cond == nil {
			if v == nil {
				return nil
			}
		} else {
			ok, err := c.EvalWith(a.cond, v)
			if err != nil {
				return err
			}
			if !Truthy(ok) {
				return nil
			}
		}
	}
	if a.prop.expr == nil && a.prop.name == "_id" && c.run.prog.opts.NamespacedIdentifiers {
		v = identityValue(c.run.prog.opts, v)
	}
	return a.prop.names(c, func(name string) {
		if a.onlyIfNew && c.T.Has(name) {
			return
		}
		c.T.Set(name, v)
	})
}

// identityValue prefixes string _id values with the identity namespace.
func identityValue(o Options, v Value) Value {
	if s, ok := v.(string); ok && !strings.Contains(s, ":") {
		return o.IdentityNamespace + ":" + s
	}
	return v
}

func compileAdd(onlyIfNew, addIf bool) func(cp *Compiler, n *pipes.Node, args []*pipes.Node) (Action, error) {
	return func(cp *Compiler, n *pipes.Node, args []*pipes.Node) (Action, error) {
		name := n.Items[0].Str
		if addIf {
			if len(args) < 2 || len(args) > 3 {
				return nil, pipes.Errorf(n, "%s takes PROPERTY, an optional CONDITION and VALUES, got %d arguments", name, len(args))
			}
		} else if len(args) != 2 {
			return nil, pipes.Errorf(n, "%s takes PROPERTY and VALUES, got %d arguments", name, len(args))
		}
		a := &addAction{prop: cp.property(args[0]), onlyIfNew: onlyIfNew, addIf: addIf}
		if len(args) == 3 {
			a.cond = cp.Expr(args[1])
		}
		a.value = cp.Expr(args[len(args)-1])
		return a, nil
	}
}

// copyAction copies source properties matching include and not exclude.
type copyAction struct {
	include, exclude wildcard
	all              bool // include is exactly "*": every member
}

func (a *copyAction) Exec(c *Ctx) error {
	src, ok := c.S.(*Dict)
	if !ok {
		return nil
	}
	// Into an empty target (the usual first statement) members can be
	// appended without looking for ones to replace: source keys are unique.
	appendOnly := c.T.Len() == 0
	if appendOnly && a.all && len(a.exclude.patterns) == 0 {
		c.T.members = append(c.T.members, src.members...)
		c.T.reindex()
		return nil
	}
	for i := range src.members {
		k := src.members[i].key
		if !a.all && !a.include.match(k) {
			continue
		}
		if len(a.exclude.patterns) > 0 && a.exclude.match(k) {
			continue
		}
		if appendOnly {
			c.T.push(src.members[i])
		} else {
			c.T.CopyFrom(src, i)
		}
	}
	return nil
}

func (cp *Compiler) patterns(n *pipes.Node) wildcard {
	w := wildcard{ns: cp.opts.NamespacedIdentifiers}
	switch {
	case n.Kind == pipes.String:
		w.patterns = []string{n.Str}
	case n.Kind == pipes.Array && len(n.Items) > 0 && n.Items[0].Kind == pipes.String && n.Items[0].Str == "list":
		for _, it := range n.Items[1:] {
			if it.Kind != pipes.String {
				cp.Errorf(it, "a property pattern must be a string, got %s", it.Describe())
				continue
			}
			w.patterns = append(w.patterns, it.Str)
		}
	case n.Kind == pipes.Array:
		for _, it := range n.Items {
			if it.Kind != pipes.String {
				cp.Errorf(it, "a property pattern must be a string, got %s", it.Describe())
				continue
			}
			w.patterns = append(w.patterns, it.Str)
		}
	default:
		cp.Errorf(n, "expected a property pattern or [\"list\", patterns...], got %s", n.Describe())
	}
	return w
}

func compileCopy(cp *Compiler, n *pipes.Node, args []*pipes.Node) (Action, error) {
	if len(args) < 1 || len(args) > 2 {
		return nil, pipes.Errorf(n, "copy takes INCLUDE_PROPERTIES and optional EXCLUDE_PROPERTIES, got %d arguments", len(args))
	}
	a := &copyAction{include: cp.patterns(args[0])}
	a.all = len(a.include.patterns) == 1 && a.include.patterns[0] == "*"
	if len(args) == 2 {
		a.exclude = cp.patterns(args[1])
	}
	return a, nil
}

// removeAction removes target properties matching a pattern.
type removeAction struct{ w wildcard }

func (a *removeAction) Exec(c *Ctx) error {
	c.T.DeleteFunc(a.w.match)
	return nil
}

func compileRemove(cp *Compiler, n *pipes.Node, args []*pipes.Node) (Action, error) {
	if len(args) != 1 {
		return nil, pipes.Errorf(n, "remove takes one PROPERTY pattern, got %d arguments", len(args))
	}
	return &removeAction{w: cp.patterns(args[0])}, nil
}

// renameAction copies source property from to target property to. With
// namespaced identifiers on, an unqualified from matches the property in
// every namespace: an unqualified to renames each in its own namespace,
// a qualified to collects all their values.
type renameAction struct {
	from, to propertyName
	nsAware  bool
}

func (a *renameAction) Exec(c *Ctx) error {
	src, ok := c.S.(*Dict)
	if !ok {
		return nil
	}
	var froms, tos []string
	if err := a.from.names(c, func(s string) { froms = append(froms, s) }); err != nil {
		return err
	}
	if err := a.to.names(c, func(s string) { tos = append(tos, s) }); err != nil {
		return err
	}
	if len(froms) != 1 || len(tos) != 1 {
		return nil
	}
	from, to := froms[0], tos[0]
	if !a.nsAware || strings.Contains(from, ":") {
		if i := src.find(from); i >= 0 {
			c.T.Set(qualifyLike(to, from, a.nsAware), src.At(i))
		}
		return nil
	}
	var collected List
	found := false
	for i := range src.members {
		k := src.members[i].key
		if k != from && !strings.HasSuffix(k, ":"+from) {
			continue
		}
		if strings.Contains(to, ":") {
			collected = append(collected, AsList(src.At(i))...)
			found = true
			continue
		}
		c.T.Set(qualifyLike(to, k, true), src.At(i))
	}
	if found {
		c.T.Set(to, collected)
	}
	return nil
}

// qualifyLike gives an unqualified name the namespace of like (with
// namespaced identifiers on): "b" like "x:a" is "x:b".
func qualifyLike(name, like string, nsAware bool) string {
	if !nsAware || strings.Contains(name, ":") {
		return name
	}
	if i := strings.LastIndexByte(like, ':'); i >= 0 {
		return like[:i+1] + name
	}
	return name
}

func compileRename(cp *Compiler, n *pipes.Node, args []*pipes.Node) (Action, error) {
	if len(args) != 2 {
		return nil, pipes.Errorf(n, "rename takes PROPERTY1 and PROPERTY2, got %d arguments", len(args))
	}
	// Both names are read as written: with namespaces on, rename keeps or
	// collects namespaces itself rather than qualifying the target name.
	a := &renameAction{nsAware: cp.opts.NamespacedIdentifiers}
	for i, p := range []*propertyName{&a.from, &a.to} {
		if args[i].Kind == pipes.String && !isPath(args[i].Str) {
			*p = propertyName{name: args[i].Str}
		} else {
			*p = propertyName{expr: cp.Expr(args[i])}
		}
	}
	return a, nil
}

// mergeAction copies the members of each dict in VALUES onto the target,
// skipping members whose names start with "_".
type mergeAction struct {
	values Expr
	union  bool
}

func (a *mergeAction) Exec(c *Ctx) error {
	v, err := a.values.Eval(c)
	if err != nil {
		return err
	}
	for _, x := range AsList(v) {
		d, ok := x.(*Dict)
		if !ok {
			continue
		}
		for i := range d.members {
			k := d.members[i].key
			if strings.HasPrefix(k, "_") {
				continue
			}
			nv := d.At(i)
			if a.union {
				if old, ok := c.T.Get(k); ok {
					nv = unionValues(old, nv)
				}
			}
			c.T.Set(k, nv)
		}
	}
	return nil
}

// unionValues joins two property values into a list without duplicates.
func unionValues(a, b Value) Value {
	out := List{}
	for _, x := range append(append(List{}, AsList(a)...), AsList(b)...) {
		dup := false
		for _, y := range out {
			if Equal(x, y) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, x)
		}
	}
	if len(out) == 1 {
		return out[0]
	}
	return out
}

func compileMerge(union bool) func(cp *Compiler, n *pipes.Node, args []*pipes.Node) (Action, error) {
	return func(cp *Compiler, n *pipes.Node, args []*pipes.Node) (Action, error) {
		if len(args) != 1 {
			return nil, pipes.Errorf(n, "%s takes one VALUES argument, got %d", n.Items[0].Str, len(args))
		}
		return &mergeAction{values: cp.Expr(args[0]), union: union}, nil
	}
}

// makeNIAction turns string values of a source property into NIs.
type makeNIAction struct {
	ns, from, to string
	toGiven      bool
	nsAware      bool
}

func (a *makeNIAction) Exec(c *Ctx) error {
	src, ok := c.S.(*Dict)
	if !ok {
		return nil
	}
	for i := range src.members {
		k := src.members[i].key
		var target string
		switch {
		case k == a.from:
			target = k + "-ni"
			if a.toGiven {
				target = qualifyLike(a.to, k, a.nsAware)
			}
		case a.nsAware && !strings.Contains(a.from, ":") && strings.HasSuffix(k, ":"+a.from):
			prefix := k[:len(k)-len(a.from)]
			target = prefix + a.from + "-ni"
			if a.toGiven {
				target = prefix + a.to
			}
		default:
			continue
		}
		v := MapValues(src.At(i), func(x Value) (Value, bool) {
			s, ok := x.(string)
			if !ok {
				return nil, false
			}
			return NI{NS: a.ns, ID: s}, true
		})
		if v == nil {
			continue
		}
		if l, ok := v.(List); ok && len(l) == 0 {
			continue
		}
		c.T.Set(target, v)
	}
	return nil
}

func compileMakeNI(cp *Compiler, n *pipes.Node, args []*pipes.Node) (Action, error) {
	if len(args) < 2 || len(args) > 3 {
		return nil, pipes.Errorf(n, "make-ni takes NAMESPACE, FROM_PROPERTY and optional TO_PROPERTY, got %d arguments", len(args))
	}
	for _, a := range args {
		if a.Kind != pipes.String {
			return nil, pipes.Errorf(a, "make-ni takes string arguments, got %s", a.Describe())
		}
	}
	a := &makeNIAction{ns: args[0].Str, from: args[1].Str, nsAware: cp.opts.NamespacedIdentifiers}
	if len(args) == 3 {
		a.to, a.toGiven = args[2].Str, true
	}
	return a, nil
}
