package rest

import (
	"context"
	"errors"
	"fmt"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/dtl"
	"github.com/sluice-sync/sluice/entity"
)

// TransformConfig is the config of the "rest" transform: one request per
// entity, its answer added to the entity (or replacing it).
type TransformConfig struct {
	EndpointConfig
	// ReplaceEntity replaces the entity by the response body (a dict, or
	// each dict of a list).
	ReplaceEntity bool `json:"replace_entity" doc:"the answer replaces the entity: each object in it becomes an entity, with its _id from id_expression, else the entity's"`
	// SideEffects says whether the request changes things at the server
	// (a dry run then shows it instead of sending it). By default GET,
	// HEAD and OPTIONS have none, other methods do.
	SideEffects *bool        `json:"side_effects" default:"false for GET, HEAD and OPTIONS, else true" doc:"whether the request changes things at the server; a dry run shows such requests instead of sending them"`
	TriggerOn   *dtl.Trigger `json:"trigger_on" type:"object with \"key\" and \"value\"" doc:"only entities whose value at key (a path, default _trigger) matches value (* wildcards for strings) get a request; the rest pass through unchanged"`
	Overrides
}

// TransformSpec is the "rest" transform.
var TransformSpec = component.Typed(component.KindTransform, "rest",
	"Runs a REST operation of a [`system:rest`](systems.md#systemrest) for each entity: the entity's own "+
		"`operation` property, else the configured `operation`. The answer goes into `response_property`, with "+
		"the status and headers where `response_status_property` and `response_headers_property` say, or "+
		"becomes the entity (`replace_entity`); with `next_page_link`, the results of all pages are collected in a "+
		"list. The templates also see the entity as `source_entity`; an entity's own `payload` is sent instead of "+
		"the configured one. A status outside `allowed_status_codes` fails the run, naming the pipe, entity, "+
		"operation, status and an excerpt of the body.\n\n"+
		"The operation settings, from `properties` down in the table below, may be set here too, for every "+
		"operation the component runs; they then replace the operation's own.",
	func() *TransformConfig { return &TransformConfig{} },
	func(c *TransformConfig, env component.Env) (component.Transform, error) {
		e, err := newEndpoint(&c.EndpointConfig, &c.Overrides, env, "transform")
		if err != nil {
			return nil, err
		}
		return &restTransform{e: e, cfg: c}, nil
	}).
	WithExample(`{
  "type": "rest",
  "system": "crm",
  "operation": "orders",
  "operations": {
    "orders": {"url": "customers/{{ _id }}/orders", "method": "GET", "payload_property": "data"}
  },
  "response_property": "orders"
}`)

type restTransform struct {
	e   *endpoint
	cfg *TransformConfig
}

func sideEffects(set *bool, method string) bool {
	if set != nil {
		return *set
	}
	switch method {
	case "GET", "HEAD", "OPTIONS":
		return false
	}
	return true
}

func (t *restTransform) Transform(ctx context.Context, in []entity.Entity) ([]entity.Entity, error) {
	out := make([]entity.Entity, 0, len(in))
	for _, e := range in {
		d, err := dtl.DecodeEntity(e)
		if err != nil {
			return nil, err
		}
		if t.cfg.TriggerOn != nil && !t.cfg.TriggerOn.Matches(d) {
			out = append(out, e)
			continue
		}
		res, err := t.one(ctx, d)
		switch {
		case errors.Is(err, ErrDryRun):
			out = append(out, e) // shown, not sent: the entity goes on as it was
			continue
		case err != nil:
			return nil, fmt.Errorf("entity %q: %w", entityID(d), err)
		}
		for _, r := range res {
			out = append(out, dtl.EncodeJSON(r))
		}
	}
	return out, nil
}

// one runs the operation for one entity and returns what it becomes.
func (t *restTransform) one(ctx context.Context, d *dtl.Dict) ([]*dtl.Dict, error) {
	opName := t.cfg.Operation
	if v, ok := d.Get("operation"); ok {
		if s, ok := v.(string); ok && s != "" {
			opName = s
		}
	}
	name, op, err := t.e.operation(opName)
	if err != nil {
		return nil, err
	}
	payload := op.Payload
	if raw, ok := d.Raw("payload"); ok {
		payload = entityPayload(raw)
	}
	vars := entityVars(d, op.Properties)
	vars["source_entity"] = vars["entity"]
	var results dtl.List
	var last *Response
	ignored, err := t.e.run(ctx, op, vars, payload, sideEffects(t.cfg.SideEffects, op.Method), func(p page) error {
		last = p.resp
		if op.NextPageLink.IsSet() {
			results = append(results, dtl.AsList(p.result)...)
		} else {
			results = dtl.List{p.result}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("operation %s: %w", name, err)
	}
	if ignored {
		return []*dtl.Dict{d}, nil
	}
	var result dtl.Value = results
	if !op.NextPageLink.IsSet() && len(results) == 1 {
		result = results[0]
	}
	if t.cfg.ReplaceEntity {
		return t.replace(d, result, op)
	}
	prop := op.ResponseProperty
	if prop == "" {
		prop = "response"
	}
	d.Set(prop, result)
	t.addStatus(d, op, last)
	return []*dtl.Dict{d}, nil
}

// addStatus records the status and headers where the operation says.
func (t *restTransform) addStatus(d *dtl.Dict, op *OperationConfig, resp *Response) {
	if resp == nil {
		return
	}
	if op.ResponseStatusProperty != "" {
		d.Set(op.ResponseStatusProperty, int64(resp.Status))
	}
	if op.ResponseHeadersProperty != "" {
		h := dtl.NewDict(len(resp.Header))
		for k, v := range resp.Header {
			l := make(dtl.List, len(v))
			for i, s := range v {
				l[i] = s
			}
			h.Set(k, l)
		}
		d.Set(op.ResponseHeadersProperty, h)
	}
}

// replace makes the response the entity: each dict in it, given an _id by
// id_expression or, failing that, the original entity's.
func (t *restTransform) replace(orig *dtl.Dict, result dtl.Value, op *OperationConfig) ([]*dtl.Dict, error) {
	var out []*dtl.Dict
	for _, v := range dtl.AsList(result) {
		d, ok := v.(*dtl.Dict)
		if !ok {
			return nil, fmt.Errorf("replace_entity: the response holds %s, not an object", dtl.KindOf(v))
		}
		if err := setExpressions(d, op, nil); err != nil {
			return nil, err
		}
		if !d.Has("_id") {
			if id, ok := orig.Get("_id"); ok {
				d.Set("_id", id)
			}
		}
		out = append(out, d)
	}
	return out, nil
}

// setExpressions sets _id and _updated from id_expression and
// updated_expression, whose templates see the entity's members, "entity"
// and the extra variables.
func setExpressions(d *dtl.Dict, op *OperationConfig, extra map[string]any) error {
	if !op.IDExpression.IsSet() && !op.UpdatedExpression.IsSet() {
		return nil
	}
	vars := entityVars(d, op.Properties)
	for k, v := range extra {
		vars[k] = v
	}
	if op.IDExpression.IsSet() {
		id, err := op.IDExpression.Render(vars)
		if err != nil {
			return fmt.Errorf("id_expression: %w", err)
		}
		d.Set("_id", id)
	}
	if op.UpdatedExpression.IsSet() {
		u, err := op.UpdatedExpression.Render(vars)
		if err != nil {
			return fmt.Errorf("updated_expression: %w", err)
		}
		if n, err := dtl.ParseNumber(u, false); err == nil {
			d.Set("_updated", n)
		} else {
			d.Set("_updated", u)
		}
	}
	return nil
}

// SesamKeys lists the Sesam properties TransformConfig accepts without effect.
func (*TransformConfig) SesamKeys() []string { return []string{"response_include_content_type"} }
