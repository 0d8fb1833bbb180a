package dtl

import (
	"fmt"
	"sort"

	"github.com/sluice-sync/sluice/pipes"
)

// Func is one value function: its reference entry and its implementation.
// The examples are the function's documentation and its tests at once
// (TestFunctionExamples runs them all; docs/dtl-reference.md is generated
// from them).
type Func struct {
	Name     string
	Family   string    // reference page, e.g. "strings", "math"
	Args     string    // argument spec, e.g. "FUNCTION(function-expression{0|1}), VALUES(value-expression{1})"
	Doc      string    // one or two sentences
	MinArgs  int       // fewest arguments accepted
	MaxArgs  int       // most arguments accepted; -1 means any number
	Examples []Example // at least one

	// Exactly one of Eval and Lazy is set. Eval gets its arguments already
	// evaluated; it must not keep the args slice. Lazy gets them
	// unevaluated, for functions that take function expressions (bound to
	// "_" per item) or evaluate only some branches.
	Eval func(c *Ctx, args []Value) (Value, error)
	Lazy func(c *Ctx, args []Expr) (Value, error)

	// Special, when set, compiles the call itself instead of Eval or
	// Lazy (for hops, whose arguments are specs rather than expressions).
	Special func(cp *Compiler, n *pipes.Node, args []*pipes.Node) Expr

	// Check, when set, runs at compile time to refuse bad constant
	// arguments early (a bad regex, an unknown time zone).
	Check func(args []*pipes.Node) error
}

// Example is one documented call and its result, both as JSON text.
// Source, when set, is the entity bound to _S; Rules, when set, is a rules
// object the expression may apply.
type Example struct {
	Expr   string
	Want   string
	Source string
	Rules  string
}

// Statement is one transform function (a statement in a rule).
type Statement struct {
	Name     string
	Args     string
	Doc      string
	Examples []StatementExample
	// Compile turns the statement's argument nodes into an Action.
	Compile func(cp *Compiler, n *pipes.Node, args []*pipes.Node) (Action, error)
}

// StatementExample runs Rules (a JSON object of rules) over Source and
// expects the entities in Want (a JSON list of targets), or, when WantError
// is set, an error whose message contains it.
type StatementExample struct {
	Rules     string
	Source    string
	Want      string
	WantError string
}

var (
	funcs      = map[string]*Func{}
	statements = map[string]*Statement{}
)

// RegisterFunc adds a value function; it panics on a duplicate or an
// incomplete definition, which is a programming error caught by any test.
func RegisterFunc(f *Func) {
	impls := 0
	for _, set := range []bool{f.Eval != nil, f.Lazy != nil, f.Special != nil} {
		if set {
			impls++
		}
	}
	if f.Name == "" || impls != 1 || len(f.Examples) == 0 || f.Doc == "" || f.Family == "" {
		panic(fmt.Sprintf("dtl: incomplete function definition %q", f.Name))
	}
	if _, dup := funcs[f.Name]; dup {
		panic(fmt.Sprintf("dtl: function %q registered twice", f.Name))
	}
	funcs[f.Name] = f
}

// RegisterStatement adds a transform function.
func RegisterStatement(s *Statement) {
	if s.Name == "" || s.Compile == nil || s.Doc == "" || len(s.Examples) == 0 {
		panic(fmt.Sprintf("dtl: incomplete statement definition %q", s.Name))
	}
	if _, dup := statements[s.Name]; dup {
		panic(fmt.Sprintf("dtl: statement %q registered twice", s.Name))
	}
	statements[s.Name] = s
}

// Funcs lists the value functions by family, then name.
func Funcs() []*Func {
	out := make([]*Func, 0, len(funcs))
	for _, f := range funcs {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Family != out[j].Family {
			return out[i].Family < out[j].Family
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Statements lists the transform functions by name.
func Statements() []*Statement {
	out := make([]*Statement, 0, len(statements))
	for _, s := range statements {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LookupFunc finds a value function by name.
func LookupFunc(name string) (*Func, bool) {
	f, ok := funcs[name]
	return f, ok
}
