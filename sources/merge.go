package sources

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
)

// MergeDataset is one item of the merge source's "datasets": a dataset
// and the alias its equality rules use.
type MergeDataset struct{ Name, Alias string }

// MergeDatasets is the merge source's "datasets": "dataset alias"
// pairs, as in the datasets of a DTL hops.
type MergeDatasets []MergeDataset

// ConfigType names the shape in the configuration reference.
func (*MergeDatasets) ConfigType() string { return `list of "dataset alias" strings` }

// DecodeNode accepts a list of distinct "dataset alias" pairs (an
// alias left out is the dataset's name).
func (d *MergeDatasets) DecodeNode(n *pipes.Node) pipes.Errors {
	var errs pipes.Errors
	if n.Kind != pipes.Array {
		errs.Add(n, `expected a list of "dataset alias", got %s`, n.Describe())
		return errs
	}
	out := make(MergeDatasets, 0, len(n.Items))
	for _, it := range n.Items {
		if it == nil || it.Kind != pipes.String {
			errs.Add(n, `expected "dataset alias", got %s`, it.Describe())
			continue
		}
		f := strings.Fields(it.Str)
		if len(f) == 0 || len(f) > 2 {
			errs.Add(it, `expected "dataset alias", got %q`, it.Str)
			continue
		}
		ds := MergeDataset{Name: f[0], Alias: f[0]}
		if len(f) == 2 {
			ds.Alias = f[1]
		}
		if err := store.CheckName(ds.Name); err != nil {
			errs.Add(it, "%v", err)
			continue
		}
		if slices.ContainsFunc(out, func(o MergeDataset) bool { return o.Name == ds.Name }) {
			errs.Add(it, "dataset %q is listed twice", ds.Name)
			continue
		}
		if slices.ContainsFunc(out, func(o MergeDataset) bool { return o.Alias == ds.Alias }) {
			errs.Add(it, "alias %q is used twice", ds.Alias)
			continue
		}
		out = append(out, ds)
	}
	*d = out
	return errs
}

// EqualityRule says that the values of one property in the entities of
// one dataset equal those of a property in another: ["eq", "a.x", "b.y"].
type EqualityRule struct{ Left, Right MergePath }

// MergePath is "alias.property" in an equality rule.
type MergePath struct{ Alias, Prop string }

func parseMergePath(s string) (MergePath, bool) {
	a, p, ok := strings.Cut(s, ".")
	if !ok || a == "" || p == "" {
		return MergePath{}, false
	}
	return MergePath{a, p}, true
}

// EqualityRules is the merge source's "equality".
type EqualityRules []EqualityRule

// ConfigType names the shape in the configuration reference.
func (*EqualityRules) ConfigType() string {
	return `list of ["eq", "alias.property", "alias.property"]`
}

// DecodeNode accepts a list of ["eq", "a.x", "b.y"].
func (r *EqualityRules) DecodeNode(n *pipes.Node) pipes.Errors {
	var errs pipes.Errors
	if n.Kind != pipes.Array {
		errs.Add(n, `expected a list of ["eq", "a.x", "b.y"], got %s`, n.Describe())
		return errs
	}
	out := make(EqualityRules, 0, len(n.Items))
	for _, it := range n.Items {
		if it == nil || it.Kind != pipes.Array || len(it.Items) != 3 {
			errs.Add(n, `expected an equality rule ["eq", "a.x", "b.y"], got %s`, it.Describe())
			continue
		}
		if op := it.Items[0]; op == nil || op.Kind != pipes.String || op.Str != "eq" {
			errs.Add(it, `an equality rule starts with "eq"`)
			continue
		}
		var paths [2]MergePath
		ok := true
		for i, p := range it.Items[1:] {
			if p == nil || p.Kind != pipes.String {
				errs.Add(nodeOr(p, it), `expected "alias.property" (DTL expressions are not supported here yet), got %s`, p.Describe())
				ok = false
				continue
			}
			mp, good := parseMergePath(p.Str)
			if !good {
				errs.Add(p, `expected "alias.property", got %q`, p.Str)
				ok = false
				continue
			}
			paths[i] = mp
		}
		if ok {
			out = append(out, EqualityRule{paths[0], paths[1]})
		}
	}
	*r = out
	return errs
}

// EqualitySets is the merge source's "equality_sets": each set stands for
// the rules making each of its paths equal to the next.
type EqualitySets [][]MergePath

// ConfigType names the shape in the configuration reference.
func (*EqualitySets) ConfigType() string { return `list of lists of "alias.property"` }

// DecodeNode accepts a list of non-empty lists of "a.x".
func (s *EqualitySets) DecodeNode(n *pipes.Node) pipes.Errors {
	var errs pipes.Errors
	if n.Kind != pipes.Array {
		errs.Add(n, `expected a list of lists of "alias.property", got %s`, n.Describe())
		return errs
	}
	var out EqualitySets
	for _, it := range n.Items {
		if it == nil || it.Kind != pipes.Array || len(it.Items) == 0 {
			errs.Add(n, `expected a non-empty list of "alias.property", got %s`, it.Describe())
			continue
		}
		var set []MergePath
		for _, p := range it.Items {
			if p == nil || p.Kind != pipes.String {
				errs.Add(nodeOr(p, it), `expected "alias.property" (DTL expressions are not supported here yet), got %s`, p.Describe())
				continue
			}
			mp, ok := parseMergePath(p.Str)
			if !ok {
				errs.Add(p, `expected "alias.property", got %q`, p.Str)
				continue
			}
			set = append(set, mp)
		}
		out = append(out, set)
	}
	*s = out
	return errs
}

// MergeConfig is the config of the "merge" source; its properties are
// Sesam's.
type MergeConfig struct {
	Version           int           `json:"version" enum:"1,2" doc:"the merge source version; both give the version 2 behaviour"`
	Datasets          MergeDatasets `json:"datasets" cfg:"required" doc:"the datasets to merge, each a dataset name, a space and the alias the rules use (\"crm-person c\")"`
	Equality          EqualityRules `json:"equality" doc:"rules [\"eq\", \"a.x\", \"b.y\"]: entities of a and b are the same when a value of x in one is a value of y in the other; transitive"`
	EqualitySets      EqualitySets  `json:"equality_sets" doc:"lists of \"alias.property\" paths whose values make entities the same; each list stands for eq rules between its neighbours"`
	Identity          string        `json:"identity" enum:"composite,first" doc:"the _id of a merged entity: composite joins the position in datasets and the _id of each of its entities with | (\"0|c1|1|h1\"), first the _id of the first of them (by dataset, then _id)"`
	Strategy          string        `json:"strategy" enum:"default,compact,list" doc:"how properties combine: default unions the values, compact also removes duplicates and empty lists and unwraps single values, list gives the entities under $merged"`
	IncludeInternal   bool          `json:"include_internal_properties" doc:"with the list strategy, keep the properties starting with _ of the entities under $merged"`
	MaxMerged         int           `json:"max_merged" doc:"a run fails when more entities than this merge into one"`
	InitialDatasets   *DatasetNames `json:"initial_datasets" doc:"the datasets that must be populated for the source to count as populated; by default all of datasets"`
	IgnoreNonExistent bool          `json:"ignore_non_existent_datasets" doc:"true: a dataset of initial_datasets that does not exist does not keep the source from being populated"`
	RequirePopulated  bool          `json:"require_populated_input" doc:"true: a run fails, reading nothing, until the datasets of initial_datasets (by default all of datasets) are populated"`
	IfSourceEmpty     string        `json:"if_source_empty" enum:"accept,fail" doc:"fail: a run that reads no entities at all fails, leaving the sink untouched"`
}

// SesamKeys lists the Sesam properties MergeConfig accepts without effect.
func (*MergeConfig) SesamKeys() []string { return []string{"supports_signalling"} }

// SourceDatasets names the datasets the source reads.
func (c *MergeConfig) SourceDatasets() []string {
	out := make([]string, len(c.Datasets))
	for i, d := range c.Datasets {
		out[i] = d.Name
	}
	return out
}

var _ component.ReadsDataset = (*MergeConfig)(nil)

// Validate checks that the rules name the configured aliases.
func (c *MergeConfig) Validate() error {
	if len(c.Datasets) == 0 {
		return &pipes.FieldError{Field: "datasets", Err: errors.New("datasets must name at least one dataset")}
	}
	if c.MaxMerged < 1 {
		return &pipes.FieldError{Field: "max_merged", Err: errors.New("max_merged must be at least 1")}
	}
	known := func(p MergePath) bool {
		return slices.ContainsFunc(c.Datasets, func(d MergeDataset) bool { return d.Alias == p.Alias })
	}
	for i, r := range c.Equality {
		for _, p := range []MergePath{r.Left, r.Right} {
			if !known(p) {
				return &pipes.FieldError{Field: "equality", Err: fmt.Errorf("rule %d names alias %q, which is not in datasets", i, p.Alias)}
			}
		}
	}
	for i, s := range c.EqualitySets {
		for _, p := range s {
			if !known(p) {
				return &pipes.FieldError{Field: "equality_sets", Err: fmt.Errorf("set %d names alias %q, which is not in datasets", i, p.Alias)}
			}
		}
	}
	return nil
}

// rules is every equality rule, the sets' included.
func (c *MergeConfig) rules() []EqualityRule {
	out := slices.Clone(c.Equality)
	for _, s := range c.EqualitySets {
		for i := 1; i < len(s); i++ {
			out = append(out, EqualityRule{s[i-1], s[i]})
		}
	}
	return out
}

// MergeSpec is the "merge" source.
var MergeSpec = component.Typed(component.KindSource, "merge",
	"Merges the entities of several datasets that its equality rules say are the same (transitively) into one entity each, as Sesam's merge source (version 2) does. "+
		"Every run reads the latest versions of all the datasets and gives every merged entity, so a dataset sink deletes the ids that no longer stand for a merged entity "+
		"(when an equality stops holding, or a source entity is deleted, the merged entity splits or changes and the id it no longer has is deleted). "+
		"`$ids` of a merged entity lists the identities of the entities in it (an entity without `$ids` stands for `~:<its _id>`).",
	func() *MergeConfig {
		return &MergeConfig{Version: 1, Identity: "composite", Strategy: "default", MaxMerged: 50000, IgnoreNonExistent: true, IfSourceEmpty: "accept"}
	},
	func(c *MergeConfig, env component.Env) (component.Source, error) {
		dc := &DatasetsConfig{Datasets: c.SourceDatasets(), InitialDatasets: c.InitialDatasets,
			IgnoreNonExistent: c.IgnoreNonExistent, RequirePopulated: c.RequirePopulated, IfSourceEmpty: c.IfSourceEmpty}
		m, err := newMultiReader("merge", dc, env)
		if err != nil {
			return nil, err
		}
		return &mergeEntities{multiReader: m, mc: c, rules: c.rules()}, nil
	}).
	WithExample(`{"type": "merge", "version": 2, "datasets": ["crm-person c", "hr-person h"], "equality": [["eq", "c.email", "h.email"]], "identity": "first"}`)

type mergeEntities struct {
	multiReader
	mc    *MergeConfig
	rules []EqualityRule
}

// SupportsSince is false: every run computes all merged entities, so
// that the sink's full-run deletions remove the ids no longer merged.
func (s *mergeEntities) SupportsSince() bool { return false }

type mergeNode struct {
	ds int
	id string
	e  []byte
}

func (s *mergeEntities) Read(ctx context.Context, req component.ReadRequest, emit func(component.Batch) error) error {
	if _, err := s.begin(""); err != nil {
		return err
	}
	var nodes []mergeNode
	for i, d := range s.mc.Datasets {
		err := s.store.Scan(d.Name, store.ReadOptions{SkipDeleted: true}, func(_ uint64, e []byte) error {
			id, err := entity.ID(e)
			if err != nil {
				return fmt.Errorf("dataset %q: %w", d.Name, err)
			}
			nodes = append(nodes, mergeNode{ds: i, id: id, e: bytes.Clone(e)})
			return ctx.Err()
		})
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	if err := s.empty(len(nodes), ""); err != nil {
		return err
	}
	alias := map[string]int{}
	for i, d := range s.mc.Datasets {
		alias[d.Alias] = i
	}
	// byDS[i] lists the nodes of dataset i.
	byDS := make([][]int, len(s.mc.Datasets))
	for i, n := range nodes {
		byDS[n.ds] = append(byDS[n.ds], i)
	}
	parent := make([]int, len(nodes))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for _, r := range s.rules {
		// An index of the right side's values, then one pass over the left.
		right := map[string][]int{}
		for _, i := range byDS[alias[r.Right.Alias]] {
			for _, v := range mergeValues(nodes[i], r.Right.Prop) {
				right[v] = append(right[v], i)
			}
		}
		for _, i := range byDS[alias[r.Left.Alias]] {
			for _, v := range mergeValues(nodes[i], r.Left.Prop) {
				for _, j := range right[v] {
					parent[find(i)] = find(j)
				}
			}
		}
	}
	groups := map[int][]int{}
	var roots []int
	for i := range nodes {
		r := find(i)
		if _, ok := groups[r]; !ok {
			roots = append(roots, r)
		}
		groups[r] = append(groups[r], i)
	}
	var batch []entity.Entity
	for _, r := range roots {
		g := groups[r]
		if len(g) > s.mc.MaxMerged {
			return fmt.Errorf("merge source: %d entities merge into one, more than max_merged (%d)", len(g), s.mc.MaxMerged)
		}
		slices.SortFunc(g, func(a, b int) int {
			if nodes[a].ds != nodes[b].ds {
				return nodes[a].ds - nodes[b].ds
			}
			return strings.Compare(nodes[a].id, nodes[b].id)
		})
		out, err := s.mergeGroup(nodes, g)
		if err != nil {
			return err
		}
		batch = append(batch, out)
		if len(batch) >= req.BatchSize {
			if err := emit(component.Batch{Entities: batch}); err != nil {
				return err
			}
			batch = nil
		}
	}
	return emit(component.Batch{Entities: batch})
}

// mergeValues gives the non-null values of prop in n as comparable keys
// (their JSON); "$ids" of an entity without one is "~:<_id>", and a name
// without a namespace also matches the one namespaced property of that
// name.
func mergeValues(n mergeNode, prop string) []string {
	if prop == "$ids" {
		ids := idsOf(n)
		keys := ids[:0]
		for _, x := range ids {
			if k, ok := valueKey(gjson.Parse(x)); ok {
				keys = append(keys, k)
			}
		}
		return keys
	}
	v := lookupProp(n.e, prop)
	var out []string
	add := func(x gjson.Result) {
		if k, ok := valueKey(x); ok {
			out = append(out, k)
		}
	}
	if v.IsArray() {
		v.ForEach(func(_, x gjson.Result) bool { add(x); return true })
	} else {
		add(v)
	}
	return out
}

// valueKey is what equal values share: the key of the join indexes DTL
// hops use (the docs have merging follow the rules of joins), so a
// string matches however it is escaped and 1 matches 1.0; nulls, objects
// and nested lists match nothing.
func valueKey(x gjson.Result) (string, bool) { return entity.JoinKey(x) }

func lookupProp(e []byte, prop string) gjson.Result {
	var found gjson.Result
	n := 0
	gjson.ParseBytes(e).ForEach(func(k, v gjson.Result) bool {
		switch {
		case k.Str == prop:
			found, n = v, -1
			return false
		case !strings.Contains(prop, ":") && strings.HasSuffix(k.Str, ":"+prop):
			found = v
			n++
		}
		return true
	})
	if n > 1 {
		return gjson.Result{}
	}
	return found
}

// idsOf gives the identities of n as JSON strings.
func idsOf(n mergeNode) []string {
	v := gjson.GetBytes(n.e, "\\$ids")
	if !v.Exists() {
		return []string{string(appendJSONString(nil, "~:"+n.id))}
	}
	var out []string
	if v.IsArray() {
		v.ForEach(func(_, x gjson.Result) bool { out = append(out, x.Raw); return true })
	} else if v.Type != gjson.Null {
		out = append(out, v.Raw)
	}
	return out
}

// mergeGroup makes the merged entity of the nodes g (in order).
func (s *mergeEntities) mergeGroup(nodes []mergeNode, g []int) (entity.Entity, error) {
	var id string
	if s.mc.Identity == "first" {
		id = nodes[g[0]].id
	} else {
		parts := make([]string, 0, 2*len(g))
		for _, i := range g {
			parts = append(parts, strconv.Itoa(nodes[i].ds), nodes[i].id)
		}
		id = strings.Join(parts, "|")
	}
	var ids []json.RawMessage
	for _, i := range g {
		for _, x := range idsOf(nodes[i]) {
			ids = append(ids, json.RawMessage(x))
		}
	}
	out := map[string]any{"_id": id, "$ids": ids}
	if s.mc.Strategy == "list" {
		merged := make([]json.RawMessage, 0, len(g))
		for _, i := range g {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(nodes[i].e, &m); err != nil {
				return nil, fmt.Errorf("merge source: entity %q: %w", nodes[i].id, err)
			}
			for k := range m {
				if strings.HasPrefix(k, "_") && !s.mc.IncludeInternal {
					delete(m, k)
				}
			}
			b, err := json.Marshal(m)
			if err != nil {
				return nil, err
			}
			merged = append(merged, b)
		}
		out["$merged"] = merged
		return json.Marshal(out)
	}
	type prop struct {
		vals []json.RawMessage
		list bool // the value is a list (several values, or a list in one entity)
	}
	props := map[string]*prop{}
	for _, i := range g {
		var err error
		gjson.ParseBytes(nodes[i].e).ForEach(func(k, v gjson.Result) bool {
			if strings.HasPrefix(k.Str, "_") || k.Str == "$ids" {
				return true
			}
			p := props[k.Str]
			if p == nil {
				p = &prop{}
				props[k.Str] = p
			} else {
				p.list = true
			}
			if v.IsArray() {
				p.list = true
				v.ForEach(func(_, x gjson.Result) bool { p.vals = append(p.vals, json.RawMessage(x.Raw)); return true })
			} else {
				p.vals = append(p.vals, json.RawMessage(v.Raw))
			}
			return true
		})
		if err != nil {
			return nil, err
		}
	}
	for k, p := range props {
		vals := p.vals
		if s.mc.Strategy == "compact" {
			vals = compactValues(vals)
			switch len(vals) {
			case 0:
				continue
			case 1:
				out[k] = vals[0]
				continue
			}
			out[k] = vals
			continue
		}
		if !p.list && len(vals) == 1 {
			out[k] = vals[0]
		} else {
			out[k] = vals
		}
	}
	return json.Marshal(out)
}

// compactValues removes repeated values (by their canonical JSON),
// keeping the first.
func compactValues(vals []json.RawMessage) []json.RawMessage {
	seen := map[string]bool{}
	var out []json.RawMessage
	for _, v := range vals {
		var x any
		key := string(v)
		if json.Unmarshal(v, &x) == nil {
			if b, err := json.Marshal(x); err == nil {
				key = string(b)
			}
		}
		if !seen[key] {
			seen[key] = true
			out = append(out, v)
		}
	}
	return out
}

// nodeOr is n, or parent when n is missing, for an error's position.
func nodeOr(n, parent *pipes.Node) *pipes.Node {
	if n == nil {
		return parent
	}
	return n
}
