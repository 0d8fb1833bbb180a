package dtl

import (
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
// value at path equals a value of key (evaluated with what is bound so far).
type hopStep struct {
	alias, dataset string
	path           []string
	key            Expr
	subset         *Subset // from "subsets": candidates outside it are skipped
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
			return joinEq{a, b}, &whereJoin{a: a, b: b, ra: ra, rb: rb}
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
	var filters []Expr
	for _, c := range conds {
		e, j := cp.whereExpr(c)
		if j != nil {
			joins = append(joins, j)
		}
		filters = append(filters, e)
		_ = e
	}
	// Plan: bind the aliases one at a time, each through a join whose other
	// side uses only what is already bound. That is what lets an index
	// serve every step; an alias no join reaches would need a scan.
	bound := map[string]bool{}
	remaining := append([]aliasDef(nil), defs...)
	for len(remaining) > 0 {
		progress := false
		for i, d := range remaining {
			step, ok := cp.planStep(d.name, d.dataset, joins, bound)
			if !ok {
				continue
			}
			spec.steps = append(spec.steps, step)
			bound[d.name] = true
			cp.joinKeys = append(cp.joinKeys, JoinKey{Dataset: d.dataset, Path: step.path})
			remaining = append(remaining[:i], remaining[i+1:]...)
			progress = true
			break
		}
		if !progress {
			cp.Errorf(remaining[0].node, "hops: no join reaches alias %q; add an eq between a property of %q and the source or an alias bound before it", remaining[0].name, remaining[0].name)
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

// planStep finds a join that reaches alias from what is bound: one side a
// plain path on the alias, the other using only bound aliases (or none).
func (cp *Compiler) planStep(alias, dataset string, joins []*whereJoin, bound map[string]bool) (hopStep, bool) {
	for _, j := range joins {
		for _, side := range [2]struct {
			e     Expr
			refs  map[string]bool
			other Expr
			orefs map[string]bool
		}{{j.a, j.ra, j.b, j.rb}, {j.b, j.rb, j.a, j.ra}} {
			p, ok := side.e.(*pathExpr)
			if !ok || p.variable != alias || len(p.steps) == 0 || len(side.refs) != 1 {
				continue
			}
			usable := true
			for k := range side.orefs {
				usable = usable && (bound[k] || !cp.aliases[k])
			}
			if !usable {
				continue
			}
			return hopStep{alias: alias, dataset: dataset, path: p.steps, key: side.other}, true
		}
	}
	return hopStep{}, false
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
		st := s.steps[i]
		kv, err := st.key.Eval(rc)
		if err != nil {
			return err
		}
		var keys []Value
		for _, k := range AsList(kv) {
			if k != nil {
				keys = append(keys, k)
			}
		}
		if len(keys) == 0 {
			return nil
		}
		cands, err := lookup(rc, ds, st, keys)
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
		Doc:     "Joins into other datasets. Each spec has \"datasets\" (\"dataset-id alias\"), \"where\" (conditions; an eq between aliases is a join, matching when the sides share a value), and optional \"return\", \"recurse\", \"exclude_root\", \"max_depth\". Every alias must be reached by a join, which an index serves. Results are ordered by _id; deleted entities never match.",
		MinArgs: 1, MaxArgs: -1,
		Examples: []Example{
			{Expr: `["hops", {"datasets": ["orders o"], "where": [["eq", "_S._id", "o.cust_id"], ["eq", "o.type", "BILLING"]], "return": "o._id"}]`,
				Source: `{"_id": "c1"}`, Rules: hopsExampleData, Want: `["o1"]`},
			{Expr: `["hops", {"datasets": ["orders o"], "where": ["eq", "_S._id", "o.cust_id"], "subsets": {"o": ["eq", "_S.type", "SHIPPING"]}}]`,
				Source: `{"_id": "c1"}`, Rules: hopsExampleData, Want: `[{"_id": "o2", "cust_id": "c1", "type": "SHIPPING"}]`},
			{Expr: `["hops", {"datasets": ["orders o"], "where": [["eq", "_S.customers", "o.cust_id"]], "return": ["list", "o._id", "o.type"]}]`,
				Source: `{"customers": ["c2", "c1", null]}`, Rules: hopsExampleData, Want: `[["o1", "BILLING"], ["o2", "SHIPPING"], ["o3", "BILLING"]]`},
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
