package rest

import (
	"context"
	"fmt"
	"math/big"
	"strings"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/dtl"
	"github.com/sluice-sync/sluice/entity"
)

// SourceConfig is the config of the "rest" source: entities from the
// answer of one operation, following pages.
type SourceConfig struct {
	EndpointConfig
	// SupportsSince makes the source incremental: the largest _updated it
	// saw (see updated_expression) is passed on the next run, as the
	// template variable "since" and, unless the URL template uses it, as
	// since_property_name in the query or a header.
	SupportsSince bool `json:"supports_since" doc:"incremental: the largest _updated seen is the next run's since, which the templates see, and which goes out as since_property_name unless they use it"`
	Overrides
}

// SourceSpec is the "rest" source.
var SourceSpec = component.Typed(component.KindSource, "rest",
	"Entities from the answer of one REST `operation` (required) of a [`system:rest`](systems.md#systemrest): "+
		"the list (or object) at `payload_property`, or the whole body. `id_expression` and `updated_expression` give them "+
		"`_id` and `_updated`; each needs a string `_id`. With `next_page_link` the source follows pages until "+
		"`next_page_termination_strategy` says stop. With `supports_since` the new offset is stored with the last "+
		"batch only, so a run that fails half-way reads everything again.\n\n"+
		"The operation settings, from `properties` down in the table below, may be set here too, for every "+
		"operation the component runs; they then replace the operation's own.",
	func() *SourceConfig { return &SourceConfig{} },
	func(c *SourceConfig, env component.Env) (component.Source, error) {
		e, err := newEndpoint(&c.EndpointConfig, &c.Overrides, env, "source")
		if err != nil {
			return nil, err
		}
		if c.Operation == "" {
			return nil, fmt.Errorf("the rest source needs an \"operation\"")
		}
		return &restSource{e: e, cfg: c}, nil
	}).
	WithExample(`{"type": "rest", "system": "crm", "operation": "list-customers", "supports_since": true, "since_property_name": "updated_since"}`)

type restSource struct {
	e   *endpoint
	cfg *SourceConfig
}

func (s *restSource) SupportsSince() bool { return s.cfg.SupportsSince }

func (s *restSource) Read(ctx context.Context, req component.ReadRequest, emit func(component.Batch) error) error {
	name, op, err := s.e.operation(s.cfg.Operation)
	if err != nil {
		return err
	}
	vars := map[string]any{"properties": op.Properties, "since": req.Since}
	if op.Properties == nil {
		vars["properties"] = map[string]any{}
	}
	if s.cfg.SupportsSince && req.Since != "" && op.SincePropertyLocation != "manual" && !usesSince(op) {
		opCopy := *op
		prop := op.SincePropertyName
		if prop == "" {
			prop = "since"
		}
		if op.SincePropertyLocation == "header" {
			opCopy.Headers = withEntry(op.Headers, prop, req.Since)
		} else {
			params := make(map[string]any, len(op.Params)+1)
			for k, v := range op.Params {
				params[k] = v
			}
			params[prop] = req.Since
			opCopy.Params = params
		}
		op = &opCopy
	}
	since := req.Since
	var batch []entity.Entity
	_, err = s.e.run(ctx, op, vars, op.Payload, false, func(p page) error {
		for _, v := range dtl.AsList(p.result) {
			d, ok := v.(*dtl.Dict)
			if !ok {
				return fmt.Errorf("operation %s: the answer holds %s where entities (objects) were expected; set payload_property", name, dtl.KindOf(v))
			}
			if err := setExpressions(d, op, map[string]any{"since": req.Since}); err != nil {
				return fmt.Errorf("operation %s: %w", name, err)
			}
			id, ok := d.Get("_id")
			if _, isStr := id.(string); !ok || !isStr {
				return fmt.Errorf("operation %s: an entity has no string _id; set id_expression (e.g. \"{{ id }}\")", name)
			}
			if s.cfg.SupportsSince {
				if u, ok := d.Get("_updated"); ok {
					if tok := sinceToken(u); tok != "" && (since == "" || component.CompareSince(tok, since) > 0) {
						since = tok
					}
				}
			}
			batch = append(batch, dtl.EncodeJSON(d))
			if len(batch) >= req.BatchSize {
				b := component.Batch{Entities: batch, Since: req.Since}
				batch = nil
				if err := emit(b); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		if strings.HasPrefix(err.Error(), "operation ") {
			return err
		}
		return fmt.Errorf("operation %s: %w", name, err)
	}
	// The new since is committed with the last batch only: a run that
	// fails half-way reads everything again.
	return emit(component.Batch{Entities: batch, Since: since})
}

// usesSince reports an operation whose templates place "since" themselves
// (in the URL, params or headers), so it is not added again.
func usesSince(op *OperationConfig) bool {
	if strings.Contains(op.URL.Src, "since") {
		return true
	}
	for k, v := range op.Params {
		if strings.Contains(k, "since") || strings.Contains(fmt.Sprint(v), "since") {
			return true
		}
	}
	for k, v := range op.Headers {
		if strings.Contains(k, "{{") && strings.Contains(k, "since") || strings.Contains(v, "since") {
			return true
		}
	}
	return false
}

func withEntry(m map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for key, val := range m {
		out[key] = val
	}
	out[k] = v
	return out
}

// sinceToken renders an _updated value as a continuation token.
func sinceToken(v dtl.Value) string {
	switch x := v.(type) {
	case string:
		return x
	case int64, float64, *big.Int:
		return strings.Trim(string(dtl.EncodeJSON(x)), `"`)
	}
	return ""
}

// SesamKeys lists the Sesam properties SourceConfig accepts without effect.
func (*SourceConfig) SesamKeys() []string { return []string{"response_include_content_type"} }
