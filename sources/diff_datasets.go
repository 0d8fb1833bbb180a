package sources

import (
	"encoding/json"
	"math/big"
	"slices"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/entity"
)

// DiffDatasetsConfig is the config of the "diff_datasets" source, which
// Sesam documents among its deprecated features.
type DiffDatasetsConfig struct {
	Datasets         DatasetNames  `json:"datasets" cfg:"required" doc:"the datasets to compare"`
	InitialDatasets  *DatasetNames `json:"initial_datasets" doc:"the datasets that must be populated for the source to count as populated (for a dataset sink's set_initial_offset); by default all of datasets"`
	Whitelist        []string      `json:"whitelist" doc:"compare only these properties (less those of blacklist)"`
	Blacklist        []string      `json:"blacklist" doc:"leave these properties out of the comparison"`
	TreatListsAsSets bool          `json:"treat_lists_as_sets" doc:"lists, at any depth, are equal when they hold the same values, whatever their order and duplicates"`
	IgnoreDeletes    bool          `json:"ignore_deletes" doc:"a deleted entity counts as absent; otherwise being deleted in one dataset and not in another is a difference"`
	IfSourceEmpty    string        `json:"if_source_empty" enum:"accept,fail" doc:"fail: a full run that reads no entities at all fails, leaving the sink untouched"`
}

// Validate checks what the tags cannot.
func (c *DiffDatasetsConfig) Validate() error { return c.datasets().Validate() }

// SourceDatasets names the datasets the source reads.
func (c *DiffDatasetsConfig) SourceDatasets() []string { return slices.Clone(c.Datasets) }

var _ component.ReadsDataset = (*DiffDatasetsConfig)(nil)

func (c *DiffDatasetsConfig) datasets() *DatasetsConfig {
	return &DatasetsConfig{Datasets: c.Datasets, InitialDatasets: c.InitialDatasets, IgnoreNonExistent: true, IfSourceEmpty: c.IfSourceEmpty}
}

// DiffDatasetsSpec is the "diff_datasets" source.
var DiffDatasetsSpec = component.Typed(component.KindSource, "diff_datasets",
	"Deprecated in Sesam (a pipe with it logs a warning when it is built), and read as `merge_datasets` with the `all` strategy reads: each entity is `{\"_id\": ..., \"<dataset>\": <its latest version>, ...}` with a `$diff` of the root properties whose values differ across the datasets, "+
		"`{\"price\": {\"products\": 10, \"other-products\": 12}}`, listing the datasets that have a value. "+
		"A dataset without the entity, or where it is deleted, has no value; properties starting with `_` are not compared, but unless `ignore_deletes` being deleted in one dataset and not in another is a difference under `_deleted`. "+
		"Numbers compare by value (1 equals 1.0). An entity without differences is passed on as deleted, so it leaves a dataset that held an earlier difference.",
	func() *DiffDatasetsConfig { return &DiffDatasetsConfig{IfSourceEmpty: "accept"} },
	func(c *DiffDatasetsConfig, env component.Env) (component.Source, error) {
		m, err := newMultiReader("diff_datasets", c.datasets(), env)
		if err != nil {
			return nil, err
		}
		m.logger.Warn("the diff_datasets source is deprecated in Sesam; a merge_datasets source with the \"all\" strategy and a dtl transform can do what it does")
		d := differ{cfg: c}
		return &mergeSource{multiReader: m, merge: d.merge}, nil
	}).
	WithExample(`{"type": "diff_datasets", "datasets": ["products", "other-products"], "blacklist": ["updated_by"]}`)

type differ struct{ cfg *DiffDatasetsConfig }

// merge makes the entity with its $diff, or a deletion when the datasets
// agree.
func (d differ) merge(names []string, v version, versions [][]byte) entity.Entity {
	id := gjson.GetBytes(v.e, entity.PropID).Raw
	present := make([][]byte, len(versions)) // the versions that take part
	for i, e := range versions {
		if e != nil && !(d.cfg.IgnoreDeletes && entity.Deleted(e)) {
			present[i] = e
		}
	}
	var diff []byte
	var deleted []string // "ds": true/false, for the datasets with a version
	for i, e := range present {
		if e != nil {
			deleted = append(deleted, string(appendJSONString(nil, names[i]))+":"+boolText(entity.Deleted(e)))
		}
	}
	if !d.cfg.IgnoreDeletes && len(deleted) > 1 && slices.ContainsFunc(deleted, func(s string) bool { return strings.HasSuffix(s, ":true") }) &&
		slices.ContainsFunc(deleted, func(s string) bool { return strings.HasSuffix(s, ":false") }) {
		diff = append(diff, `"_deleted":{`+strings.Join(deleted, ",")+"}"...)
	}
	for _, prop := range d.properties(present) {
		values := make([]gjson.Result, len(present))
		differs := false
		for i, e := range present {
			if e != nil && !entity.Deleted(e) {
				values[i] = gjson.GetBytes(e, gjson.Escape(prop))
			}
			if i > 0 && !d.equal(values[0], values[i]) {
				differs = true
			}
		}
		if !differs {
			continue
		}
		if len(diff) > 0 {
			diff = append(diff, ',')
		}
		diff = appendJSONString(diff, prop)
		diff = append(diff, ":{"...)
		first := true
		for i, val := range values {
			if !val.Exists() {
				continue
			}
			if !first {
				diff = append(diff, ',')
			}
			first = false
			diff = appendJSONString(diff, names[i])
			diff = append(diff, ':')
			diff = append(diff, val.Raw...)
		}
		diff = append(diff, '}')
	}
	if len(diff) == 0 {
		return entity.Entity(`{"_id":` + id + `,"_deleted":true}`)
	}
	out := append(make([]byte, 0, 64+len(v.e)+len(diff)), `{"_id":`...)
	out = append(out, id...)
	for i, e := range present {
		if e != nil {
			out = append(out, ',')
			out = appendJSONString(out, names[i])
			out = append(out, ':')
			out = append(out, e...)
		}
	}
	out = append(out, `,"$diff":{`...)
	out = append(out, diff...)
	return append(out, "}}"...)
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// properties lists the root properties to compare, in the order they are
// first met.
func (d differ) properties(versions [][]byte) []string {
	var props []string
	for _, e := range versions {
		if e == nil || entity.Deleted(e) {
			continue
		}
		gjson.ParseBytes(e).ForEach(func(k, _ gjson.Result) bool {
			p := k.Str
			if !strings.HasPrefix(p, "_") && !slices.Contains(props, p) &&
				(d.cfg.Whitelist == nil || slices.Contains(d.cfg.Whitelist, p)) && !slices.Contains(d.cfg.Blacklist, p) {
				props = append(props, p)
			}
			return true
		})
	}
	return props
}

// equal compares two values (a missing value equals only another).
func (d differ) equal(a, b gjson.Result) bool {
	if !a.Exists() || !b.Exists() {
		return a.Exists() == b.Exists()
	}
	return equalJSON(decodeJSON(a.Raw), decodeJSON(b.Raw), d.cfg.TreatListsAsSets)
}

func decodeJSON(raw string) any {
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return raw // stored entities are valid JSON; this cannot happen
	}
	return v
}

// equalJSON compares decoded JSON values: numbers by value, objects by
// their members, lists in order or, with sets, as sets.
func equalJSON(a, b any, sets bool) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		rx, okx := new(big.Rat).SetString(x.String())
		ry, oky := new(big.Rat).SetString(y.String())
		if !okx || !oky {
			return x == y
		}
		return rx.Cmp(ry) == 0
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !equalJSON(v, w, sets) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok {
			return false
		}
		if sets {
			return contained(x, y) && contained(y, x)
		}
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalJSON(x[i], y[i], sets) {
				return false
			}
		}
		return true
	}
	return a == b // strings, booleans, null
}

// contained reports whether every value of a is in b.
func contained(a, b []any) bool {
	for _, v := range a {
		if !slices.ContainsFunc(b, func(w any) bool { return equalJSON(v, w, true) }) {
			return false
		}
	}
	return true
}
