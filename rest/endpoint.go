package rest

import (
	"context"
	"fmt"
	"sync"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/dtl"
	"github.com/sluice-sync/sluice/jinja"
)

// EndpointConfig is what the rest source, transform and sink share: the
// system, the default operation, operations of their own, and tracing.
// Each also embeds Overrides, after its own settings, so that the
// reference lists those first.
type EndpointConfig struct {
	System     string      `json:"system" cfg:"required" doc:"the _id of the REST system the requests go to"`
	Operation  string      `json:"operation" doc:"the operation to run, by name"`
	Operations Operations  `json:"operations" doc:"operations of the component's own, found before the system's"`
	Trace      TraceConfig `json:"trace" type:"boolean or object" default:"off" doc:"true records the requests sent and the answers in the run's event; an object of log_* settings does too, and says what is recorded (see [the configuration guide](../configuration.md))"`
}

// Operations are a rest component's own named operations.
type Operations map[string]*OperationConfig

// ConfigType names the shape in the configuration reference, which shows
// an operation's properties once, under system:rest.
func (Operations) ConfigType() string {
	return "object of operations, as in [`system:rest`](systems.md#systemrest)"
}

// SystemRef names the system, so the config loader can check it exists.
func (c *EndpointConfig) SystemRef() string { return c.System }

// endpoint is a built EndpointConfig.
type endpoint struct {
	sys    *System
	cfg    *EndpointConfig
	over   *Overrides // the component's, over each operation's settings
	pipe   string
	tracer *tracer  // nil unless "trace" is on
	ops    sync.Map // name → *OperationConfig with the overrides applied
}

// newEndpoint builds the endpoint of a component of kind "source",
// "transform" or "sink" from its config and overrides.
func newEndpoint(c *EndpointConfig, over *Overrides, env component.Env, kind string) (*endpoint, error) {
	if env.System == nil {
		return nil, fmt.Errorf("system %q: no systems are available here", c.System)
	}
	s, ok := env.System(c.System)
	if !ok {
		return nil, fmt.Errorf("system %q is not defined", c.System)
	}
	sys, ok := s.(*System)
	if !ok {
		return nil, fmt.Errorf("system %q is not a REST system (\"type\": \"system:rest\")", c.System)
	}
	e := &endpoint{sys: sys, cfg: c, over: over, pipe: env.PipeID, tracer: newTracer(c, kind)}
	if c.Operation != "" {
		if _, _, err := e.operation(c.Operation); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// do sends a request of this component (traced when it traces).
func (e *endpoint) do(ctx context.Context, req *Request) (*Response, error) {
	req.tracer = e.tracer
	return e.sys.Do(ctx, req)
}

// operation resolves a named operation with the component's overrides.
func (e *endpoint) operation(name string) (string, *OperationConfig, error) {
	if name == "" {
		return "", nil, fmt.Errorf("no operation: set \"operation\" on the %s or on the entity", "component")
	}
	if op, ok := e.ops.Load(name); ok {
		return name, op.(*OperationConfig), nil
	}
	op, err := e.sys.operation(name, e.cfg.Operations)
	if err != nil {
		return "", nil, err
	}
	merged := e.over.apply(*op)
	e.ops.Store(name, &merged)
	return name, &merged, nil
}

// entityVars are the template variables for one entity: its members at
// the top level (as Sesam's id templates see them), "entity", and
// "properties" — the entity's own, or else the configured ones.
func entityVars(d *dtl.Dict, defaults map[string]any) map[string]any {
	vars := map[string]any{jinja.Members: d, "entity": d}
	if p, ok := d.Get("properties"); ok {
		if pd, ok := p.(*dtl.Dict); ok {
			vars["properties"] = pd
			return vars
		}
	}
	if defaults != nil {
		vars["properties"] = defaults
	} else {
		vars["properties"] = map[string]any{}
	}
	return vars
}

// entityID is the _id of an entity, for messages.
func entityID(d *dtl.Dict) string {
	if id, ok := d.Get("_id"); ok {
		if s, ok := id.(string); ok {
			return s
		}
	}
	return ""
}

// walkPath follows a dotted property path (payload_property) into a
// decoded JSON body.
func walkPath(v dtl.Value, path string) dtl.Value {
	if path == "" {
		return v
	}
	steps, err := dtl.SplitSteps(path)
	if err != nil {
		return nil
	}
	return dtl.Walk(v, steps)
}
