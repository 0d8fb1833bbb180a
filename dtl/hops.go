package dtl

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/sluice-sync/sluice/pipes"
)

// hopsExpr is a compiled ["hops", SPEC, SPEC...]: each spec's output is
// the input (_S) of the next.
type hopsExpr struct {
	specs []*hopSpec
}

// hopSpec is one HOPS_SPEC: a join plan over its datasets.
type hopSpec struct {
	steps       []hopStep
	filters     []Expr // conditions not used to reach an alias
	returnNames []string
	returnExpr  Expr
	returnPath  bool // return is a path string: list results flatten, as paths do
	recurse     bool
	excludeRoot bool
	maxDepth    int // 0: until exhausted
}

// hopStep binds one alias: candidates are the entities of dataset whose
// value at path (or, with index, whose value of an expression) shares a
// value of key (evaluated with what is bound so far). A step for an or of
// joins has branches instead: its candidates are the union of theirs.
type hopStep struct {
	alias, dataset string
	path           []string
	key            Expr
	index          *exprIndex // set: the join's side on the alias is this expression
	union          []hopStep  // set: an or of joins, each reaching the alias
	subset         *Subset    // from "subsets": candidates outside it are skipped
}

// joinEq is an eq between two sides of a join: true when they share a
// value. Nulls never match.
type joinEq struct{ a, b Expr }

func (e joinEq) Eval(c *Ctx) (Value, error) {
	a, err := e.a.Eval(c)
	if err != nil {
		return nil, err
	}
	b, err := e.b.Eval(c)
	if err != nil {
		return nil, err
	}
	for _, x := range AsList(a) {
		if x == nil {
			continue
		}
		for _, y := range AsList(b) {
			if Equal(x, y) {
				return true, nil
			}
		}
	}
	return false, nil
}

// anyJoin is an or of joins that reaches an alias: true when one of them
// shares a value.
type anyJoin []joinEq

func (e anyJoin) Eval(c *Ctx) (Value, error) {
	for _, j := range e {
		v, err := j.Eval(c)
		if err != nil || v == true {
			return v, err
		}
	}
	return false, nil
}

// whereCond compiles a where-condition as whereExpr does, and also
// recognises an or whose branches are all joins: it stays a filter (its
// eqs compare as eq does) unless the plan needs it to reach an alias.
func (cp *Compiler) whereCond(n *pipes.Node) (e Expr, join *whereJoin, or *whereOr) {
	if !isCall(n, "or") || len(n.Items) < 2 {
		e, join = cp.whereExpr(n)
		return e, join, nil
	}
	for _, b := range n.Items[1:] {
		if !isCall(b, "eq") || len(b.Items) != 3 {
			return cp.Expr(n), nil, nil
		}
	}
	or = &whereOr{}
	branches := make([]Expr, 0, len(n.Items)-1)
	for _, b := range n.Items[1:] {
		be, j := cp.whereExpr(b)
		if j == nil {
			or = nil
			branches = append(branches, be)
			continue
		}
		branches = append(branches, &callExpr{f: funcs["eq"], args: []Expr{j.a, j.b}, node: b})
		if or != nil {
			or.branches = append(or.branches, j)
		}
	}
	return &callExpr{f: funcs["or"], args: branches, node: n}, nil, or
}

func isCall(n *pipes.Node, name string) bool {
	return n.Kind == pipes.Array && len(n.Items) > 0 && n.Items[0].Kind == pipes.String && n.Items[0].Str == name
}

// whereOr is an or of joins, and where its filter sits in the spec.
type whereOr struct {
	branches []*whereJoin
	filter   int
}

// joinFilter is the or as a join: true when a branch shares a value.
func (o *whereOr) joinFilter() Expr {
	e := make(anyJoin, len(o.branches))
	for i, j := range o.branches {
		e[i] = joinEq{j.a, j.b}
	}
	return e
}

// whereExpr compiles a where-condition: an eq between sides that use
// different aliases is a join (shared value); anything else is a filter.
func (cp *Compiler) whereExpr(n *pipes.Node) (e Expr, join *whereJoin) {
	if n.Kind == pipes.Array && len(n.Items) == 3 && n.Items[0].Kind == pipes.String && n.Items[0].Str == "eq" {
		saved := cp.refs
		cp.refs = map[string]bool{}
		a := cp.Expr(n.Items[1])
		ra := cp.refs
		cp.refs = map[string]bool{}
		b := cp.Expr(n.Items[2])
		rb := cp.refs
		cp.refs = saved
		for k := range ra {
			if saved != nil {
				saved[k] = true
			}
		}
		for k := range rb {
			if saved != nil {
				saved[k] = true
			}
		}
		// A join relates two different things (the source, aliases); an
		// eq with a constant side is a filter.
		if len(ra) > 0 && len(rb) > 0 && !sameKeys(ra, rb) {
			return joinEq{a, b}, &whereJoin{a: a, b: b, ra: ra, rb: rb, na: n.Items[1], nb: n.Items[2]}
		}
		return &callExpr{f: funcs["eq"], args: []Expr{a, b}, node: n}, nil
	}
	return cp.Expr(n), nil
}

func sameKeys(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// whereJoin is a join condition with what each side refers to.
type whereJoin struct {
	a, b   Expr
	ra, rb map[string]bool
	na, nb *pipes.Node
}

func compileHops(cp *Compiler, n *pipes.Node, args []*pipes.Node) Expr {
	h := &hopsExpr{}
	for i, a := range args {
		spec := cp.hopSpec(a, i == len(args)-1)
		if spec != nil {
			h.specs = append(h.specs, spec)
		}
	}
	return h
}

func (cp *Compiler) hopSpec(n *pipes.Node, last bool) *hopSpec {
	if n.Kind != pipes.Object {
		cp.Errorf(n, "a HOPS_SPEC must be an object with \"datasets\" and \"where\", got %s", n.Describe())
		return nil
	}
	spec := &hopSpec{maxDepth: 10}
	type aliasDef struct {
		name, dataset string
		node          *pipes.Node
	}
	var defs []aliasDef
	ds := n.Get("datasets")
	if ds == nil || ds.Kind != pipes.Array || len(ds.Items) == 0 {
		cp.Errorf(n, "hops needs \"datasets\": a list of \"dataset-id alias\" strings")
		return nil
	}
	savedAliases := cp.aliases
	cp.aliases = map[string]bool{}
	for k := range savedAliases {
		cp.aliases[k] = true
	}
	defer func() { cp.aliases = savedAliases }()
	for _, it := range ds.Items {
		fields := strings.Fields(it.Str)
		if it.Kind != pipes.String || len(fields) != 2 {
			cp.Errorf(it, "a hops dataset is \"dataset-id alias\", got %s", it.Describe())
			return nil
		}
		if isPath(fields[1]+".") || cp.aliases[fields[1]] {
			cp.Errorf(it, "alias %q is reserved or already in use", fields[1])
			return nil
		}
		cp.aliases[fields[1]] = true
		defs = append(defs, aliasDef{name: fields[1], dataset: fields[0], node: it})
	}
	var conds []*pipes.Node
	if w := n.Get("where"); w != nil {
		if w.Kind == pipes.Array && len(w.Items) > 0 && w.Items[0].Kind == pipes.String {
			if w.Items[0].Str == "and" {
				conds = w.Items[1:]
			} else {
				conds = []*pipes.Node{w}
			}
		} else if w.Kind == pipes.Array {
			conds = w.Items
		} else {
			cp.Errorf(w, "\"where\" must be a condition or a list of conditions")
		}
	}
	var joins []*whereJoin
	var ors []*whereOr
	var filters []Expr
	for _, c := range conds {
		e, j, or := cp.whereCond(c)
		if j != nil {
			joins = append(joins, j)
		}
		if or != nil {
			or.filter = len(filters)
			ors = append(ors, or)
		}
		filters = append(filters, e)
	}
	// Plan: bind the aliases one at a time, each through a join whose other
	// side uses only what is already bound. That is what lets an index
	// serve every step; an alias no join reaches would need a scan. Joins
	// on a property path come first (the plans they made before expression
	// joins existed stay as they were), then joins on an expression, then
	// ors of joins.
	bound := map[string]bool{}
	remaining := append([]aliasDef(nil), defs...)
	for len(remaining) > 0 {
		progress := false
		for mode := planPath; mode <= planOr && !progress; mode++ {
			for i, d := range remaining {
				step, or, ok := cp.planStep(d.name, d.dataset, joins, ors, bound, mode)
				if !ok {
					continue
				}
				if or != nil {
					filters[or.filter] = or.joinFilter()
				}
				spec.steps = append(spec.steps, step)
				bound[d.name] = true
				cp.addJoinKeys(step)
				remaining = append(remaining[:i], remaining[i+1:]...)
				progress = true
				break
			}
		}
		if !progress {
			d := remaining[0]
			msg := fmt.Sprintf("hops: no join reaches alias %q; add an eq between a property of %q (or an expression on %q alone) and the source or an alias bound before it", d.name, d.name, d.name)
			if why := whyNotIndexable(d.name, joins, ors); why != "" {
				msg += "; " + why
			}
			cp.Errorf(d.node, "%s", msg)
			return nil
		}
	}
	spec.filters = filters
	if r := n.Get("recurse"); r != nil {
		spec.recurse = r.Kind == pipes.Bool && r.Bool
	}
	if r := n.Get("exclude_root"); r != nil {
		spec.excludeRoot = r.Kind == pipes.Bool && r.Bool
	}
	if r := n.Get("max_depth"); r != nil {
		switch {
		case r.Kind == pipes.Null:
			spec.maxDepth = 0
		case r.Kind == pipes.Number:
			if v, err := ParseNumber(r.Str, false); err == nil {
				if d, ok := v.(int64); ok && d > 0 {
					spec.maxDepth = int(min(d, 1000))
					break
				}
			}
			cp.Errorf(r, "max_depth must be a positive integer or null")
		default:
			cp.Errorf(r, "max_depth must be a positive integer or null")
		}
	}
	if r := n.Get("return"); r != nil {
		if !last {
			cp.Errorf(r, "\"return\" can only be given on the last HOPS_SPEC")
		}
		if spec.recurse {
			cp.Errorf(r, "\"return\" cannot be used with \"recurse\"")
		}
		if r.Kind == pipes.String && !cp.isPath(r.Str) {
			for _, name := range strings.Split(r.Str, ",") {
				name = strings.TrimSpace(name)
				if !cp.aliases[name] {
					cp.Errorf(r, "\"return\" names %q, which is not an alias of this HOPS_SPEC", name)
				}
				spec.returnNames = append(spec.returnNames, name)
			}
		} else {
			spec.returnExpr = cp.Expr(r)
			spec.returnPath = r.Kind == pipes.String
		}
	} else {
		spec.returnNames = []string{defs[len(defs)-1].name}
	}
	for _, m := range n.Members {
		switch m.Key {
		case "datasets", "where", "recurse", "exclude_root", "max_depth", "return", "track-dependencies", "trace":
		case "subsets", "prefilters":
			if m.Value.Kind != pipes.Object {
				cp.Errorf(m.Value, "%q must be an object of alias: [\"eq\", EXPRESSION, VALUE]", m.Key)
				continue
			}
			for _, sm := range m.Value.Members {
				i := slices.IndexFunc(spec.steps, func(st hopStep) bool { return st.alias == sm.Key })
				if i < 0 {
					cp.Errorf(sm.Value, "%q names %q, which is not an alias of this HOPS_SPEC", m.Key, sm.Key)
					continue
				}
				spec.steps[i].subset = cp.subset(sm.Value)
			}
		default:
			cp.Errorf(m.Value, "unknown HOPS_SPEC key %q", m.Key)
		}
	}
	return spec
}

// The kinds of join the planner tries, in order.
const (
	planPath = iota // a property path on the alias: a property index
	planExpr        // an expression on the alias alone: an expression index
	planOr          // an or of joins that each reach the alias: their union
)

// planStep finds a join of the given kind that reaches alias from what is
// bound. For an or, it returns the or too, whose filter the caller makes
// a join.
func (cp *Compiler) planStep(alias, dataset string, joins []*whereJoin, ors []*whereOr, bound map[string]bool, mode int) (hopStep, *whereOr, bool) {
	if mode == planOr {
		for _, or := range ors {
			step := hopStep{alias: alias, dataset: dataset}
			for _, j := range or.branches {
				b, ok := cp.reach(alias, dataset, j, bound, planPath)
				if !ok {
					b, ok = cp.reach(alias, dataset, j, bound, planExpr)
				}
				if !ok {
					step.union = nil
					break
				}
				step.union = append(step.union, b)
			}
			if step.union != nil {
				return step, or, true
			}
		}
		return hopStep{}, nil, false
	}
	for _, j := range joins {
		if step, ok := cp.reach(alias, dataset, j, bound, mode); ok {
			return step, nil, true
		}
	}
	return hopStep{}, nil, false
}

// joinSide is one side of a join seen from the alias being bound.
type joinSide struct {
	e     Expr
	refs  map[string]bool
	node  *pipes.Node
	other Expr
	orefs map[string]bool
}

func (j *whereJoin) sides() [2]joinSide {
	return [2]joinSide{{j.a, j.ra, j.na, j.b, j.rb}, {j.b, j.rb, j.nb, j.a, j.ra}}
}

// reach makes the step binding alias through join j, when one side is on
// the alias (a property path for planPath, an indexable expression for
// planExpr) and the other uses only what is bound (or no alias at all).
func (cp *Compiler) reach(alias, dataset string, j *whereJoin, bound map[string]bool, mode int) (hopStep, bool) {
	for _, side := range j.sides() {
		usable := true
		for k := range side.orefs {
			usable = usable && (bound[k] || !cp.aliases[k])
		}
		if !usable {
			continue
		}
		p, isPath := side.e.(*pathExpr)
		switch {
		// A path with a step found in every namespace is no property
		// index's path; an expression index serves it.
		case mode == planPath && isPath && p.variable == alias && len(p.steps) > 0 && len(side.refs) == 1 && p.nsSteps == nil:
			return hopStep{alias: alias, dataset: dataset, path: p.steps, key: side.other}, true
		case mode == planExpr && side.node != nil && indexableReason(alias, side.refs, side.node) == "":
			return hopStep{alias: alias, dataset: dataset, key: side.other, index: cp.exprIndex(alias, dataset, side.e, side.node)}, true
		}
	}
	return hopStep{}, false
}

// exprIndex returns the index of e over dataset, one per expression and
// dataset in a program.
func (cp *Compiler) exprIndex(alias, dataset string, e Expr, n *pipes.Node) *exprIndex {
	key := dataset + "\x00" + alias + "\x00" + string(n.JSON())
	if ix := cp.exprIndexes[key]; ix != nil {
		return ix
	}
	if cp.exprIndexes == nil {
		cp.exprIndexes = map[string]*exprIndex{}
	}
	ix := newExprIndex(alias, dataset, e, n)
	cp.exprIndexes[key] = ix
	return ix
}

// addJoinKeys records the property indexes a step needs.
func (cp *Compiler) addJoinKeys(st hopStep) {
	for _, b := range st.union {
		cp.addJoinKeys(b)
	}
	if st.index == nil && st.union == nil {
		cp.joinKeys = append(cp.joinKeys, JoinKey{Dataset: st.dataset, Path: st.path})
	}
}

// whyNotIndexable explains, for the error of an alias no join reaches,
// why a join with an expression on it could not be indexed.
func whyNotIndexable(alias string, joins []*whereJoin, ors []*whereOr) string {
	all := append([]*whereJoin(nil), joins...)
	for _, or := range ors {
		all = append(all, or.branches...)
	}
	for _, j := range all {
		for _, side := range j.sides() {
			if !side.refs[alias] || side.node == nil {
				continue
			}
			if _, isPath := side.e.(*pathExpr); isPath {
				continue
			}
			if why := indexableReason(alias, side.refs, side.node); why != "" {
				return fmt.Sprintf("%s cannot be indexed: %s", side.node.JSON(), why)
			}
		}
	}
	return ""
}

// indexableReason says why an expression cannot serve as the side of a
// join on alias, or "" when it can: its value must depend on the alias's
// entity alone, so that an index over the dataset holds it.
func indexableReason(alias string, refs map[string]bool, n *pipes.Node) string {
	if !refs[alias] {
		return fmt.Sprintf("it does not refer to %q", alias)
	}
	var others []string
	for k := range refs {
		if k != alias && k != "_" {
			others = append(others, k)
		}
	}
	if len(others) > 0 {
		sort.Strings(others)
		return fmt.Sprintf("it refers to %s as well as %q; the side on an alias may refer to that alias only", strings.Join(others, ", "), alias)
	}
	if refs["_"] && usesOuterItem(n) {
		return "it refers to \"_\" outside a function expression"
	}
	if name := callsUnindexable(n); name != "" {
		return fmt.Sprintf("it calls %s, which reads other datasets or rules, so the index could not follow its changes", name)
	}
	return ""
}

// unindexable are the functions whose result does not depend on their
// arguments alone.
var unindexable = map[string]bool{"hops": true, "apply-hops": true, "lookup-entity": true, "is-changed": true, "apply": true}

func callsUnindexable(n *pipes.Node) string {
	if n.Kind != pipes.Array || len(n.Items) == 0 || n.Items[0].Kind != pipes.String {
		return ""
	}
	if n.Items[0].Str == "literal" {
		return ""
	}
	if unindexable[n.Items[0].Str] {
		return n.Items[0].Str
	}
	for _, a := range n.Items[1:] {
		if name := callsUnindexable(a); name != "" {
			return name
		}
	}
	return ""
}

// usesOuterItem reports whether "_" appears in n outside the function
// expressions (map's FUNCTION and friends) that bind it.
func usesOuterItem(n *pipes.Node) bool {
	switch n.Kind {
	case pipes.String:
		return strings.HasPrefix(n.Str, "_.")
	case pipes.Array:
		if len(n.Items) == 0 || n.Items[0].Kind != pipes.String {
			return false
		}
		f, ok := funcs[n.Items[0].Str]
		if !ok || f.Name == "literal" {
			return false
		}
		args := n.Items[1:]
		bound := lambdaArgs(f, len(args))
		for i, a := range args {
			if i >= bound && usesOuterItem(a) {
				return true
			}
		}
	}
	return false
}

// lambdaArgs counts the leading arguments of a call of f with n arguments
// that are function expressions (evaluated with "_" bound per item): by
// f's argument spec, they come first, before the value arguments.
func lambdaArgs(f *Func, n int) int {
	values, lambdas := 0, 0
	for _, spec := range strings.Split(f.Args, "), ") {
		if strings.Contains(spec, "function-expression") || strings.Contains(spec, "default-value-expression") {
			lambdas++
		} else {
			values++
		}
	}
	if lambdas == 0 {
		return 0
	}
	return max(n-values, 0)
}

func (h *hopsExpr) Eval(c *Ctx) (Value, error) {
	ds := c.run.prog.opts.Datasets
	if ds == nil {
		return nil, Errorf("hops: no datasets are available here")
	}
	inputs := List{c.S}
	var out List
	for _, spec := range h.specs {
		out = List{}
		for _, in := range inputs {
			res, err := spec.run(c, ds, in)
			if err != nil {
				return nil, err
			}
			out = append(out, res...)
		}
		inputs = out
	}
	return out, nil
}

// run evaluates one spec for one input, recursing when asked.
func (s *hopSpec) run(c *Ctx, ds Datasets, input Value) (List, error) {
	if !s.recurse {
		return s.once(c, ds, input)
	}
	var out List
	seen := map[string]bool{}
	if id := entityID(input); id != "" {
		seen[id] = true
	}
	if !s.excludeRoot {
		out = append(out, input)
	}
	frontier := List{input}
	for depth := 0; len(frontier) > 0 && (s.maxDepth == 0 || depth < s.maxDepth); depth++ {
		var next List
		for _, f := range frontier {
			res, err := s.once(c, ds, f)
			if err != nil {
				return nil, err
			}
			for _, r := range res {
				id := entityID(r)
				if id != "" && seen[id] {
					continue
				}
				seen[id] = true
				next = append(next, r)
			}
		}
		out = append(out, next...)
		frontier = next
	}
	return out, nil
}

// once joins the spec's datasets for one input bound to _S and projects
// the rows through return.
func (s *hopSpec) once(c *Ctx, ds Datasets, input Value) (List, error) {
	base := *c
	base.S = input
	var rows []*Ctx
	var bind func(i int, rc *Ctx) error
	bind = func(i int, rc *Ctx) error {
		if err := rc.Step(1); err != nil {
			return err
		}
		if i == len(s.steps) {
			for _, f := range s.filters {
				v, err := f.Eval(rc)
				if err != nil {
					return err
				}
				if !Truthy(v) {
					return nil
				}
			}
			rows = append(rows, rc)
			return nil
		}
		st := &s.steps[i]
		cands, err := st.candidates(rc, ds)
		if err != nil {
			return err
		}
		for _, e := range cands {
			if st.subset != nil {
				in, err := st.subset.matches(rc, e)
				if err != nil {
					return err
				}
				if !in {
					continue
				}
			}
			if err := bind(i+1, rc.WithAlias(st.alias, e)); err != nil {
				return err
			}
		}
		return nil
	}
	if err := bind(0, &base); err != nil {
		return nil, err
	}
	var out List
	seen := map[string]bool{}
	for _, rc := range rows {
		if s.returnExpr != nil {
			v, err := s.returnExpr.Eval(rc)
			if err != nil {
				return nil, err
			}
			if s.returnPath {
				out = append(out, AsList(v)...)
			} else {
				out = append(out, v)
			}
			continue
		}
		for _, name := range s.returnNames {
			e := rc.alias(name)
			key := name + "\x00" + entityID(e)
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, e)
		}
	}
	return out, nil
}

// candidates finds the entities one step may bind: through the index of
// its join, or for an or of joins the union of each one's, by _id.
func (st *hopStep) candidates(c *Ctx, ds Datasets) ([]*Dict, error) {
	if st.union != nil {
		var out []*Dict
		seen := map[string]bool{}
		for i := range st.union {
			cands, err := st.union[i].candidates(c, ds)
			if err != nil {
				return nil, err
			}
			for _, e := range cands {
				if id := entityID(e); !seen[id] {
					seen[id] = true
					out = append(out, e)
				}
			}
		}
		sort.SliceStable(out, func(i, j int) bool { return entityID(out[i]) < entityID(out[j]) })
		return out, nil
	}
	kv, err := st.key.Eval(c)
	if err != nil {
		return nil, err
	}
	var keys []Value
	for _, k := range AsList(kv) {
		if k != nil {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	if st.index != nil {
		return st.index.lookup(c, ds, keys)
	}
	return lookup(c, ds, *st, keys)
}

// lookup finds the candidates for one step: by _id directly, else through
// the join index.
func lookup(c *Ctx, ds Datasets, st hopStep, keys []Value) ([]*Dict, error) {
	if len(st.path) == 1 && st.path[0] == "_id" {
		var out []*Dict
		ids := make([]string, 0, len(keys))
		for _, k := range keys {
			if s, ok := k.(string); ok {
				ids = append(ids, s)
			}
		}
		sort.Strings(ids)
		for i, id := range ids {
			if i > 0 && ids[i-1] == id {
				continue
			}
			e, err := ds.Get(c.Context(), st.dataset, id)
			if err != nil {
				return nil, &RuntimeError{Msg: "hops into " + st.dataset, Err: err}
			}
			if e != nil {
				out = append(out, e)
			}
		}
		return out, nil
	}
	out, err := ds.Join(c.Context(), st.dataset, st.path, keys)
	if err != nil {
		return nil, &RuntimeError{Msg: "hops into " + st.dataset, Err: err}
	}
	return out, nil
}

func entityID(v Value) string {
	if d, ok := v.(*Dict); ok {
		if id, ok := d.Get("_id"); ok {
			if s, ok := id.(string); ok {
				return s
			}
		}
	}
	return ""
}

// JoinKeys lists the indexes the program's hops need.
func (p *Program) JoinKeys() []JoinKey { return p.joinKeys }

func init() {
	RegisterFunc(&Func{
		Name: "hops", Family: "hops", Args: "HOPS_SPEC(dict{>=1})",
		Doc:     "Joins into other datasets. Each spec has \"datasets\" (\"dataset-id alias\"), \"where\" (conditions; an eq between aliases is a join, matching when the sides share a value), and optional \"return\", \"recurse\", \"exclude_root\", \"max_depth\". Every alias must be reached by a join, which an index serves: the join's side on the alias is a property path, or an expression on that alias alone (indexed by its values); an or of joins that each reach the alias is served by the union of their lookups. Results are ordered by _id; deleted entities never match.",
		MinArgs: 1, MaxArgs: -1,
		Examples: []Example{
			{Expr: `["hops", {"datasets": ["orders o"], "where": [["eq", "_S._id", "o.cust_id"], ["eq", "o.type", "BILLING"]], "return": "o._id"}]`,
				Source: `{"_id": "c1"}`, Rules: hopsExampleData, Want: `["o1"]`},
			{Expr: `["hops", {"datasets": ["orders o"], "where": ["eq", "_S._id", "o.cust_id"], "subsets": {"o": ["eq", "_S.type", "SHIPPING"]}}]`,
				Source: `{"_id": "c1"}`, Rules: hopsExampleData, Want: `[{"_id": "o2", "cust_id": "c1", "type": "SHIPPING"}]`},
			{Expr: `["hops", {"datasets": ["orders o"], "where": [["eq", "_S.customers", "o.cust_id"]], "return": ["list", "o._id", "o.type"]}]`,
				Source: `{"customers": ["c2", "c1", null]}`, Rules: hopsExampleData, Want: `[["o1", "BILLING"], ["o2", "SHIPPING"], ["o3", "BILLING"]]`},
			{Expr: `["hops", {"datasets": ["orders o"], "where": ["eq", "_S.kind", ["lower", "o.type"]], "return": "o._id"}]`,
				Source: `{"kind": "billing"}`, Rules: hopsExampleData, Want: `["o1", "o3"]`},
			{Expr: `["hops", {"datasets": ["orders o"], "where": ["or", ["eq", "_S._id", "o.cust_id"], ["eq", "_S.kind", "o.type"]], "return": "o._id"}]`,
				Source: `{"_id": "c2", "kind": "SHIPPING"}`, Rules: hopsExampleData, Want: `["o2", "o3"]`},
		},
		Special: compileHops,
	})
	RegisterFunc(&Func{
		Name: "lookup-entity", Family: "hops", Args: "DATASET_ID(string{1}), ENTITY_ID(string{1})",
		Doc:     "Returns the latest version of the entity with _id ENTITY_ID in dataset DATASET_ID, or null.",
		MinArgs: 2, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["lookup-entity", "orders", "o2"]`, Rules: hopsExampleData, Want: `{"_id": "o2", "cust_id": "c1", "type": "SHIPPING"}`},
			{Expr: `["lookup-entity", "orders", "nope"]`, Rules: hopsExampleData, Want: `null`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			ds := c.run.prog.opts.Datasets
			if ds == nil {
				return nil, Errorf("lookup-entity: no datasets are available here")
			}
			dataset, ok1 := First(args[0]).(string)
			id, ok2 := First(args[1]).(string)
			if !ok1 || !ok2 {
				return nil, nil
			}
			e, err := ds.Get(c.Context(), dataset, id)
			if err != nil || e == nil {
				return nil, err
			}
			return e, nil
		},
	})
}

// hopsExampleData marks examples that run against the example datasets
// (see exampleDatasets in the tests): orders o1 (c1, BILLING), o2 (c1,
// SHIPPING), o3 (c2, BILLING).
const hopsExampleData = "@orders"

// applyHopsExpr is ["apply-hops", RULE, HOPS_SPEC...]: the hops' results
// run through the rule.
type applyHopsExpr struct {
	rule string
	hops *hopsExpr
}

func (e *applyHopsExpr) Eval(c *Ctx) (Value, error) {
	v, err := e.hops.Eval(c)
	if err != nil {
		return nil, err
	}
	return c.apply(e.rule, v)
}

func compileApplyHops(cp *Compiler, n *pipes.Node, args []*pipes.Node) Expr {
	if args[0].Kind != pipes.String {
		cp.Errorf(args[0], "apply-hops: RULE must be a rule name, got %s", args[0].Describe())
		return constExpr{}
	}
	cp.ruleRefs = append(cp.ruleRefs, ruleRef{name: args[0].Str, node: args[0]})
	return &applyHopsExpr{rule: args[0].Str, hops: compileHops(cp, n, args[1:]).(*hopsExpr)}
}

// isChanged evaluates FUNCTION on the source entity and on its previous
// version (read from the source dataset) and reports whether they differ:
// null when there is no previous version or the source is not a dataset,
// true when either version is deleted.
func isChanged(c *Ctx, args []Expr) (Value, error) {
	opts := c.run.prog.opts
	cur, ok := c.R.S.(*Dict)
	if !ok || opts.Datasets == nil || opts.SourceDataset == "" {
		return nil, nil
	}
	off, ok := First(mustGet(cur, "_previous")).(int64)
	if !ok || off < 0 {
		return nil, nil
	}
	prev, err := opts.Datasets.Version(c.Context(), opts.SourceDataset, uint64(off))
	if err != nil {
		return nil, &RuntimeError{Msg: "is-changed: reading the previous version", Err: err}
	}
	if prev == nil {
		return nil, nil
	}
	if Truthy(mustGet(cur, "_deleted")) || Truthy(mustGet(prev, "_deleted")) {
		return true, nil
	}
	a, err := c.EvalWith(args[0], cur)
	if err != nil {
		return nil, err
	}
	b, err := c.EvalWith(args[0], prev)
	if err != nil {
		return nil, err
	}
	return !Equal(a, b), nil
}

func mustGet(d *Dict, k string) Value {
	v, _ := d.Get(k)
	return v
}

func init() {
	RegisterFunc(&Func{
		Name: "apply-hops", Family: "hops", Args: "RULE_ID(string{1}), HOPS_SPEC(dict{>=1})",
		Doc:     "Runs hops with the specs, then the named rule over each result (apply over hops).",
		MinArgs: 2, MaxArgs: -1,
		Examples: []Example{
			{Expr: `["apply-hops", "order", {"datasets": ["orders o"], "where": ["eq", "_S._id", "o.cust_id"]}]`,
				Source: `{"_id": "c1"}`, Rules: hopsExampleData, Want: `[{"id": "o1"}, {"id": "o2"}]`},
		},
		Special: compileApplyHops,
	})
	RegisterFunc(&Func{
		Name: "is-changed", Family: "hops", Args: "FUNCTION(function-expression{1})",
		Doc:     "Whether FUNCTION gives a different result on the source entity and on its previous version in the source dataset; null when there is no previous version or the source is not a dataset; true when either version is deleted.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["is-changed", "_.type"]`, Rules: hopsExampleData, Source: `{"_id": "o2", "type": "BILLING", "_previous": 1}`, Want: `true`},
			{Expr: `["is-changed", "_.cust_id"]`, Rules: hopsExampleData, Source: `{"_id": "o2", "cust_id": "c1", "_previous": 1}`, Want: `false`},
			{Expr: `["is-changed", "_.type"]`, Rules: hopsExampleData, Source: `{"_id": "o9", "type": "X", "_previous": null}`, Want: `null`},
		},
		Lazy: isChanged,
	})
}
