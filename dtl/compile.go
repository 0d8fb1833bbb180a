package dtl

import (
	"sort"
	"strconv"
	"strings"

	"github.com/sluice-sync/sluice/pipes"
)

// Compiler turns rule nodes into expressions and actions, collecting every
// error with the position and JSON pointer of the node at fault.
type Compiler struct {
	opts     Options
	errs     pipes.Errors
	ruleRefs []ruleRef // apply targets, checked once all rules are known
	depth    int
	aliases  map[string]bool // dataset aliases in scope (inside hops)
	refs     map[string]bool // when set, collects the aliases an expression uses
	joinKeys []JoinKey       // indexes the hops in these rules need

	exprIndexes map[string]*exprIndex // indexes on join expressions, by dataset, alias and expression
}

type ruleRef struct {
	name string
	node *pipes.Node
}

// maxExprDepth bounds how deeply expressions may nest.
const maxExprDepth = 500

// Errorf records a compile error at n.
func (cp *Compiler) Errorf(n *pipes.Node, format string, args ...any) {
	cp.errs.Add(n, format, args...)
}

// Options returns the options the program is compiled with.
func (cp *Compiler) Options() Options { return cp.opts }

// Expr compiles a value expression. On error it records the problem and
// returns an expression that yields null, so compilation can go on and
// report every problem at once.
func (cp *Compiler) Expr(n *pipes.Node) Expr {
	cp.depth++
	defer func() { cp.depth-- }()
	if cp.depth > maxExprDepth {
		cp.Errorf(n, "expression nests deeper than %d levels", maxExprDepth)
		return constExpr{}
	}
	switch n.Kind {
	case pipes.Null:
		return constExpr{}
	case pipes.Bool:
		return constExpr{n.Bool}
	case pipes.Number:
		v, err := ParseNumber(n.Str, strings.ContainsAny(n.Str, ".eE"))
		if err != nil {
			cp.Errorf(n, "bad number %s", n.Str)
		}
		return constExpr{v}
	case pipes.String:
		if cp.isPath(n.Str) {
			variable, steps, err := splitPath(n.Str)
			if err != nil {
				cp.Errorf(n, "%v", err)
				return constExpr{}
			}
			if cp.refs != nil {
				cp.refs[variable] = true
			}
			return cp.newPath(variable, steps)
		}
		return constExpr{FromTransit(n.Str)}
	case pipes.Object:
		v, err := DecodeJSON(n.JSON())
		if err != nil {
			cp.Errorf(n, "%v", err)
		}
		return constExpr{v}
	}
	return cp.call(n)
}

// call compiles ["function", args...].
func (cp *Compiler) call(n *pipes.Node) Expr {
	if len(n.Items) == 0 {
		cp.Errorf(n, "an empty list is not an expression; write [\"list\"] for an empty list")
		return constExpr{}
	}
	head := n.Items[0]
	if head.Kind != pipes.String {
		cp.Errorf(head, "a function call starts with the function's name, not %s; write [\"list\", ...] for a literal list", head.Describe())
		return constExpr{}
	}
	f, ok := funcs[head.Str]
	if !ok {
		if _, isStmt := statements[head.Str]; isStmt {
			cp.Errorf(head, "%q is a transform, not a value function; it can only be used as a statement in a rule", head.Str)
		} else {
			cp.Errorf(head, "unknown DTL function %q%s", head.Str, suggestName(head.Str, false))
		}
		return constExpr{}
	}
	args := n.Items[1:]
	if len(args) < f.MinArgs || (f.MaxArgs >= 0 && len(args) > f.MaxArgs) {
		cp.Errorf(n, "%s takes %s, got %d", f.Name, arity(f.MinArgs, f.MaxArgs), len(args))
		return constExpr{}
	}
	if f.Check != nil {
		if err := f.Check(args); err != nil {
			cp.Errorf(n, "%s: %v", f.Name, err)
			return constExpr{}
		}
	}
	if f.Special != nil {
		return f.Special(cp, n, args)
	}
	if f.Name == "literal" {
		v, err := DecodeJSON(args[0].JSON())
		if err != nil {
			cp.Errorf(args[0], "%v", err)
		}
		return constExpr{v}
	}
	exprs := make([]Expr, len(args))
	for i, a := range args {
		exprs[i] = cp.Expr(a)
	}
	e := &callExpr{f: f, args: exprs, node: n}
	if f.Name == "apply" || f.Name == "apply-hops" {
		if len(args) > 0 && args[0].Kind == pipes.String {
			cp.ruleRefs = append(cp.ruleRefs, ruleRef{name: args[0].Str, node: args[0]})
		}
	}
	return e
}

func arity(min, max int) string {
	switch {
	case max < 0:
		return plural(min, "or more arguments")
	case min == max:
		return plural(min, "arguments")
	}
	return strconv.Itoa(min) + " to " + plural(max, "arguments")
}

func plural(n int, what string) string {
	if n == 1 {
		what = strings.Replace(what, "arguments", "argument", 1)
	}
	return strconv.Itoa(n) + " " + what
}

// suggestName offers the closest known name, trying the kind that fits
// where the name stands first (statements in a rule, functions in an
// expression).
func suggestName(name string, statementFirst bool) string {
	fs, ss := make([]string, 0, len(funcs)), make([]string, 0, len(statements))
	for k := range funcs {
		fs = append(fs, k)
	}
	for k := range statements {
		ss = append(ss, k)
	}
	sort.Strings(fs)
	sort.Strings(ss)
	if statementFirst {
		return pipes.Suggest(name, append(ss, fs...))
	}
	return pipes.Suggest(name, append(fs, ss...))
}

// Actions compiles "transforms": a single statement or a list of them.
func (cp *Compiler) Actions(n *pipes.Node) []Action {
	if n.Kind != pipes.Array {
		cp.Errorf(n, "expected a transform or a list of transforms, got %s", n.Describe())
		return nil
	}
	if len(n.Items) > 0 && n.Items[0].Kind == pipes.String {
		if a := cp.Statement(n); a != nil {
			return []Action{a}
		}
		return nil
	}
	out := make([]Action, 0, len(n.Items))
	for _, item := range n.Items {
		if a := cp.Statement(item); a != nil {
			out = append(out, a)
		}
	}
	return out
}

// Statement compiles one transform function call.
func (cp *Compiler) Statement(n *pipes.Node) Action {
	if n.Kind != pipes.Array || len(n.Items) == 0 || n.Items[0].Kind != pipes.String {
		cp.Errorf(n, "expected a transform such as [\"add\", \"name\", \"_S.name\"], got %s", n.Describe())
		return nil
	}
	name := n.Items[0].Str
	s, ok := statements[name]
	if !ok {
		if _, isFunc := funcs[name]; isFunc {
			cp.Errorf(n.Items[0], "%q is a value function, not a transform; a rule is a list of transforms such as [\"add\", PROPERTY, VALUE]", name)
		} else {
			cp.Errorf(n.Items[0], "unknown DTL function %q%s", name, suggestName(name, true))
		}
		return nil
	}
	a, err := s.Compile(cp, n, n.Items[1:])
	if err != nil {
		if pe, ok := err.(*pipes.Error); ok {
			cp.errs = append(cp.errs, pe)
		} else {
			cp.Errorf(n, "%s: %v", name, err)
		}
		return nil
	}
	return a
}

// constExpr is a literal value.
type constExpr struct{ v Value }

func (e constExpr) Eval(*Ctx) (Value, error) { return e.v, nil }

// callExpr is a call of a value function.
type callExpr struct {
	f    *Func
	args []Expr
	node *pipes.Node
}

func (e *callExpr) Eval(c *Ctx) (Value, error) {
	r := c.run
	r.steps++
	if r.steps > maxSteps {
		return nil, ErrBudget
	}
	if e.f.Lazy != nil {
		return e.f.Lazy(c, e.args)
	}
	base := len(r.stack)
	for _, a := range e.args {
		v, err := a.Eval(c)
		if err != nil {
			r.stack = r.stack[:base]
			return nil, err
		}
		r.stack = append(r.stack, v)
	}
	v, err := e.f.Eval(c, r.stack[base:len(r.stack):len(r.stack)])
	clear(r.stack[base:])
	r.stack = r.stack[:base]
	return v, err
}
