package transforms

import (
	"context"
	"errors"
	"fmt"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/dtl"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/pipes"
)

// Rules holds a rules object as written, compiled once when the config is
// decoded so that "sluice validate" reports DTL errors with their place.
type Rules struct {
	Node *pipes.Node
}

// DecodeNode keeps the node and compiles it to check it.
func (r *Rules) DecodeNode(n *pipes.Node) pipes.Errors {
	r.Node = n
	_, err := dtl.Compile(n, dtl.Options{})
	return pipes.AsErrors(n, err)
}

// DTLConfig is the config of the "dtl" transform.
type DTLConfig struct {
	Rules Rules `json:"rules" cfg:"required" type:"object of rule lists" doc:"{\"default\": [...], \"other\": [...]}: default runs per entity, others via apply"`
	// TriggerOn, when set, runs the rules only for entities whose value at
	// key matches value; others pass through unchanged.
	TriggerOn *dtl.Trigger `json:"trigger_on" type:"object with \"key\" and \"value\"" doc:"only entities whose value at key (a path, default _trigger) matches value (* wildcards for strings) are transformed; the rest pass through unchanged"`
	// IDRequired makes an output entity without a string _id an error.
	IDRequired bool `json:"id_required" doc:"a target or created entity without a string _id fails the run; with false it is left out"`
}

// DefaultDTLConfig is the dtl transform's config with nothing set.
func DefaultDTLConfig() *DTLConfig { return &DTLConfig{IDRequired: true} }

// DTLSpec is the "dtl" transform.
var DTLSpec = component.Typed(component.KindTransform, "dtl",
	"Maps each entity through DTL rules: the `default` rule runs per entity; others through `apply`. See [the DTL guide](../dtl.md) and [the DTL reference](../dtl-reference.md). Hops create the join indexes they need in the store when the pipe is built. Try rules without a pipe: `sluice dtl eval '[\"upper\", \"_S.name\"]' --source e.json`, and `sluice dtl run --rules rules.json < entities.ndjson`.",
	DefaultDTLConfig,
	func(c *DTLConfig, env component.Env) (component.Transform, error) {
		ns := env.Namespaces
		opts := dtl.Options{
			TriggerOn:             c.TriggerOn,
			IDRequired:            c.IDRequired,
			NamespacedIdentifiers: ns.Enabled,
			IdentityNamespace:     ns.Identity,
			PropertyNamespace:     ns.Property,
			SourceDataset:         env.SourceDataset,
		}
		if env.Store != nil {
			opts.Datasets = &storeDatasets{st: env.Store}
		}
		prog, err := dtl.Compile(c.Rules.Node, opts)
		if err != nil {
			return nil, err
		}
		if env.Store != nil {
			for _, k := range prog.JoinKeys() {
				if len(k.Path) == 1 && k.Path[0] == "_id" {
					continue
				}
				if err := env.Store.EnsureJoinIndex(k.Dataset, k.Path); err != nil {
					return nil, fmt.Errorf("hops: %w", err)
				}
			}
		}
		t := &dtlTransform{pipe: env.PipeID, prog: prog, idRequired: c.IDRequired}
		return t, nil
	}).
	WithExample(`{"type": "dtl", "rules": {"default": [["copy", "*"], ["add", "full_name", ["concat", "_S.first", " ", "_S.last"]]]}}`)

type dtlTransform struct {
	pipe       string
	prog       *dtl.Program
	idRequired bool
}

func (t *dtlTransform) Transform(ctx context.Context, in []entity.Entity) ([]entity.Entity, error) {
	out := make([]entity.Entity, 0, len(in))
	size := 0
	for _, e := range in {
		size += len(e)
	}
	// One buffer holds every output entity; sized from the input so it
	// rarely has to grow (and move) mid-batch.
	buf := make([]byte, 0, size+size/4)
	for _, e := range in {
		res, err := t.prog.RunJSON(ctx, e)
		if err != nil {
			return nil, t.fail(e, err)
		}
		if res.Untriggered {
			out = append(out, e)
			continue
		}
		for _, d := range res.Entities() {
			if id, _ := d.Get("_id"); !isString(id) {
				continue // without id_required, entities without an _id are left out
			}
			start := len(buf)
			buf = dtl.AppendJSON(buf, d)
			out = append(out, entity.Entity(buf[start:len(buf):len(buf)]))
		}
		res.Release()
	}
	return out, nil
}

// fail names the pipe and the entity in a runtime error.
func (t *dtlTransform) fail(e entity.Entity, err error) error {
	id, _ := entity.ID(e)
	var re *dtl.RuntimeError
	if errors.As(err, &re) {
		re.Pipe, re.EntityID = t.pipe, id
		return re
	}
	return &dtl.RuntimeError{Pipe: t.pipe, Rule: "default", EntityID: id, Err: err}
}

func isString(v dtl.Value) bool {
	_, ok := v.(string)
	return ok
}
