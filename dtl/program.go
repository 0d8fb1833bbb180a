package dtl

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/sluice-sync/sluice/pipes"
)

// Options configure compilation.
type Options struct {
	// NamespacedIdentifiers turns on Sesam's namespaces: bare property
	// names written by rules get the Property namespace prefix.
	NamespacedIdentifiers bool
	IdentityNamespace     string // the pipe's identity namespace (defaults to the pipe id)
	PropertyNamespace     string // the property namespace (defaults to the pipe id)

	// Datasets serves hops and lookup-entity; nil means rules may not hop.
	Datasets Datasets
	// SourceDataset is the dataset the source entities come from, for
	// is-changed ("" when the source is not a dataset).
	SourceDataset string

	// TriggerOn, when set, selects the entities to transform; the others
	// are not transformed (Result.Untriggered).
	TriggerOn *Trigger

	// IDRequired makes a target, or an entity given to create or
	// create-child, without a string _id an error; without it such
	// entities are left out.
	IDRequired bool
}

// Program is a compiled set of rules. It is immutable and safe to run
// from several goroutines at once.
type Program struct {
	rules    map[string]*Rule
	opts     Options
	joinKeys []JoinKey

	exprIndexes map[string]*exprIndex // what the hops' expression joins keep
}

// Rule is one named list of statements.
type Rule struct {
	Name    string
	actions []Action
}

// Stop signals from filter and discard, caught by the rule runner.
var (
	errFiltered  = errors.New("filtered")
	errDiscarded = errors.New("discarded")
)

// Compile compiles a rules object {"default": [...], "other": [...]}.
// The errors are pipes.Errors naming file, line, column and JSON pointer.
func Compile(rules *pipes.Node, opts Options) (*Program, error) {
	cp := &Compiler{opts: opts}
	p := &Program{rules: map[string]*Rule{}, opts: opts}
	if rules == nil || rules.Kind != pipes.Object {
		if rules == nil {
			return nil, fmt.Errorf("rules: missing")
		}
		cp.Errorf(rules, "rules must be an object of named rules, e.g. {\"default\": [...]}, got %s", rules.Describe())
		return nil, cp.errs
	}
	for _, m := range rules.Members {
		if m.Value.Kind != pipes.Array {
			cp.Errorf(m.Value, "rule %q must be a list of transforms, got %s", m.Key, m.Value.Describe())
			continue
		}
		r := &Rule{Name: m.Key}
		for _, item := range m.Value.Items {
			if a := cp.Statement(item); a != nil {
				r.actions = append(r.actions, a)
			}
		}
		p.rules[m.Key] = r
	}
	if _, ok := p.rules["default"]; !ok && !cp.errs.HasErrors() {
		cp.Errorf(rules, "rules need a \"default\" rule; it runs for every source entity")
	}
	for _, ref := range cp.ruleRefs {
		if _, ok := p.rules[ref.name]; !ok {
			cp.Errorf(ref.node, "apply refers to rule %q, which is not defined", ref.name)
		}
	}
	if cp.errs.HasErrors() {
		cp.errs.Sort()
		return nil, cp.errs
	}
	p.joinKeys = cp.joinKeys
	p.exprIndexes = cp.exprIndexes
	return p, nil
}

// CompileExpr compiles one value expression, for "sluice dtl eval".
func CompileExpr(n *pipes.Node, opts Options) (Expr, error) {
	cp := &Compiler{opts: opts}
	e := cp.Expr(n)
	if cp.errs.HasErrors() {
		return nil, cp.errs
	}
	if len(cp.ruleRefs) > 0 {
		return nil, fmt.Errorf("apply needs rules; evaluate it inside a rule set")
	}
	return e, nil
}

// CompileExpr compiles an expression that may apply this program's rules.
func (p *Program) CompileExpr(n *pipes.Node) (Expr, error) {
	cp := &Compiler{opts: p.opts}
	e := cp.Expr(n)
	for _, ref := range cp.ruleRefs {
		if _, ok := p.rules[ref.name]; !ok {
			cp.Errorf(ref.node, "apply refers to rule %q, which is not defined", ref.name)
		}
	}
	if cp.errs.HasErrors() {
		return nil, cp.errs
	}
	return e, nil
}

// Result is what one source entity became.
type Result struct {
	Target   *Dict   // the target; nil when discarded
	Filtered bool    // a filter dropped the target: sinks should delete it
	Created  []*Dict // entities emitted by create, in order

	// Untriggered: the trigger_on expression was false, so the rules did
	// not run; the entity passes on as it was.
	Untriggered bool

	source *Dict // the decoded source, when RunJSON made it
}

// RunJSON decodes one entity (see DecodeEntity) and runs the default rule
// over it. With Release, the memory of both the source and the target is
// reused, which is the fast path for transforms.
func (p *Program) RunJSON(ctx context.Context, e []byte) (Result, error) {
	src := sources.Get().(*Dict)
	if _, err := decodeEntityInto(src, e); err != nil {
		recycle(&sources, src)
		return Result{}, err
	}
	res, err := p.Run(ctx, src)
	res.source = src
	return res, err
}

// Run runs the default rule over one source entity (unless trigger_on
// says not to).
func (p *Program) Run(ctx context.Context, src *Dict) (res Result, err error) {
	if p.opts.TriggerOn != nil && !p.opts.TriggerOn.Matches(src) {
		return Result{Untriggered: true}, nil
	}
	run := runStates.Get().(*runState)
	defer run.release()
	run.prog, run.ctx = p, ctx
	c := &run.root
	*c = Ctx{S: src, T: newTarget(src.Len() + 4), run: run}
	c.R = c
	stop, err := p.runRule(c, p.rules["default"])
	res = Result{Target: c.T, Created: run.created}
	switch stop {
	case errFiltered:
		res.Filtered = true
		if !c.T.Has("_id") {
			// The sink deletes by _id: a filter before the target got its
			// _id still names the entity it came from.
			if id, ok := src.Get("_id"); ok {
				c.T.Set("_id", id)
			}
		}
	case errDiscarded:
		res.Target = nil
	default:
		inheritDeleted(src, c.T)
	}
	if err == nil && p.opts.IDRequired && res.Target != nil && !hasStringID(res.Target) {
		err = &RuntimeError{Rule: "default", Err: ErrNoID}
	}
	return res, err
}

// inheritDeleted marks the target deleted when its source entity is and the
// rules did not set "_deleted" themselves, as Sesam does: a deletion flows
// on downstream through rules that only shape the entity. Only the target
// inherits it: entities from create are what the rules make them, and a
// filtered target is a deletion for the sink already.
func inheritDeleted(src, target *Dict) {
	if d, _ := src.Get("_deleted"); d != true || target.Has("_deleted") {
		return
	}
	target.Set("_deleted", true)
}

// ErrNoID is the error for a target without a string _id when IDRequired
// is set.
var ErrNoID = errors.New(`the rule produced an entity without a string _id (set "_id", e.g. ["copy", "_id"]; or set "id_required": false)`)

func hasStringID(d *Dict) bool {
	id, _ := d.Get("_id")
	_, ok := id.(string)
	return ok
}

// runStates recycles the per-entity state (and its argument stack).
var runStates = sync.Pool{New: func() any { return &runState{stack: make([]Value, 0, 64)} }}

// release returns the state to the pool, keeping only the stack's memory.
func (r *runState) release() {
	clear(r.stack[:cap(r.stack)])
	*r = runState{stack: r.stack[:0]}
	runStates.Put(r)
}

// Eval evaluates one expression with src bound to _S.
func (p *Program) Eval(ctx context.Context, e Expr, src Value) (Value, error) {
	return EvalExpr(ctx, e, src, p)
}

// EvalExpr evaluates an expression outside any rule (with src as _S).
func EvalExpr(ctx context.Context, e Expr, src Value, p *Program) (Value, error) {
	if p == nil {
		p = &Program{}
	}
	run := &runState{prog: p, ctx: ctx}
	c := &Ctx{S: src, T: NewDict(4), run: run}
	c.R = c
	return e.Eval(c)
}

// EvalExprWith evaluates an expression outside any rule and program, with
// the datasets of opts available (a source's completeness expression).
func EvalExprWith(ctx context.Context, e Expr, src Value, opts Options) (Value, error) {
	return EvalExpr(ctx, e, src, &Program{opts: opts})
}

// runRule runs a rule's statements on c. It returns errFiltered or
// errDiscarded as stop when a statement dropped the target.
func (p *Program) runRule(c *Ctx, r *Rule) (stop error, err error) {
	for _, a := range r.actions {
		if err := a.Exec(c); err != nil {
			if err == errFiltered || err == errDiscarded {
				return err, nil
			}
			var re *RuntimeError
			if errors.As(err, &re) && re.Rule == "" {
				re.Rule = r.Name
				return nil, re
			}
			if re == nil {
				return nil, &RuntimeError{Rule: r.Name, Err: err}
			}
			return nil, err
		}
	}
	return nil, nil
}

// apply runs rule name with each value as the source; it returns the
// targets of those not filtered out.
func (c *Ctx) apply(name string, values Value) (Value, error) {
	r := c.run.prog.rules[name]
	if r == nil {
		return nil, Errorf("apply: no rule named %q", name)
	}
	c.run.depth++
	defer func() { c.run.depth-- }()
	if c.run.depth > maxApplyDepth {
		return nil, Errorf("apply: rules nest deeper than %d levels", maxApplyDepth)
	}
	one := func(v Value) (Value, bool, error) {
		n := &Ctx{S: v, T: NewDict(8), P: c, R: c.R, B: c.B, run: c.run}
		stop, err := c.run.prog.runRule(n, r)
		if err != nil || stop != nil {
			return nil, false, err
		}
		return n.T, true, nil
	}
	return MapValuesErr(values, one)
}

// PropertyName applies the namespace rules to a property name a rule
// writes: with namespaced identifiers on, "age" and ":age" get the
// property namespace, "::age" means the bare "age", and "ns:age" is kept.
func (o Options) PropertyName(s string) string {
	if !o.NamespacedIdentifiers {
		return s
	}
	switch {
	case strings.HasPrefix(s, "::"):
		return s[2:]
	case strings.HasPrefix(s, ":"):
		return o.PropertyNamespace + s
	case strings.Contains(s, ":") || strings.HasPrefix(s, "_") || strings.HasPrefix(s, "$"):
		return s
	}
	return o.PropertyNamespace + ":" + s
}

// nsSteps applies PropertyName to the steps of a path.
func (cp *Compiler) nsSteps(steps []string) []string {
	if !cp.opts.NamespacedIdentifiers {
		return steps
	}
	out := make([]string, len(steps))
	for i, s := range steps {
		if strings.HasPrefix(s, ":") {
			out[i] = cp.opts.PropertyName(s)
		} else {
			out[i] = s
		}
	}
	return out
}

// targets and sources recycle the dicts Release hands back.
var (
	targets = sync.Pool{New: func() any { return new(Dict) }}
	sources = sync.Pool{New: func() any { return &Dict{members: make([]member, 0, 16)} }}
)

func newTarget(n int) *Dict {
	d := targets.Get().(*Dict)
	if cap(d.members) < n {
		d.members = make([]member, 0, n)
	}
	return d
}

func recycle(pool *sync.Pool, d *Dict) {
	clear(d.members[:cap(d.members)])
	d.members, d.idx = d.members[:0], nil
	pool.Put(d)
}

// Release hands the memory of the target (and, after RunJSON, of the
// source) back for reuse. Call it once the entities are encoded; neither
// they nor values taken from them may be used afterwards. Calling it is
// optional.
func (r *Result) Release() {
	if r.Target != nil {
		recycle(&targets, r.Target)
		r.Target = nil
	}
	if r.source != nil {
		recycle(&sources, r.source)
		r.source = nil
	}
}

// Entities lists what the source entity became, in emit order: the target
// (marked _filtered when a filter stopped it, absent when discarded), then
// the entities from create.
func (r Result) Entities() []*Dict {
	out := make([]*Dict, 0, 1+len(r.Created))
	if r.Target != nil {
		if r.Filtered {
			r.Target.Set("_filtered", true)
		}
		out = append(out, r.Target)
	}
	return append(out, r.Created...)
}
