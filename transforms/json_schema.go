package transforms

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/tidwall/gjson"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/dtl"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/pipes"
)

// JSONSchemaConfig is the config of the "json_schema" transform.
type JSONSchemaConfig struct {
	Schema    JSONSchema `json:"schema" type:"JSON Schema (an object)" doc:"the schema entities are validated against (draft 2020-12 unless its $schema names another draft); required unless schema_url is set. A $ref may point into it but never to a file or URL"`
	SchemaURL string     `json:"schema_url" doc:"instead of schema: the URL of the schema, fetched through system (relative to its base_url) when the pipe first runs, and kept until the config is loaded again"`
	System    string     `json:"system" doc:"the system:url that schema_url is fetched through; required with schema_url"`
	KeyValid  string     `json:"key_valid" doc:"the property set to true when the entity is valid, false when it is not"`
	KeyErrors string     `json:"key_errors" doc:"the property given the list of error messages (in the words of Python's jsonschema, as Sesam gives them) when the entity is invalid; a valid entity does not have it"`
	// TriggerOn, when set, validates only the entities whose value at key
	// matches value; the others pass through unchanged.
	TriggerOn *dtl.Trigger `json:"trigger_on" type:"object with \"key\" and \"value\"" doc:"only entities whose value at key (a path, default _trigger) matches value (* wildcards for strings) are validated; the rest pass through unchanged"`
}

// Validate checks that the schema comes from exactly one place and that
// the two keys can both be set.
func (c *JSONSchemaConfig) Validate() error {
	var errs []error
	switch {
	case c.Schema.Node != nil && c.SchemaURL != "":
		errs = append(errs, &pipes.FieldError{Field: "schema_url", Err: errors.New(`set either "schema" or "schema_url", not both`)})
	case c.Schema.Node == nil && c.SchemaURL == "":
		errs = append(errs, errors.New(`missing required property "schema" (or "schema_url" with "system")`))
	case c.SchemaURL != "" && c.System == "":
		errs = append(errs, &pipes.FieldError{Field: "schema_url", Err: errors.New(`schema_url needs "system": the system:url to fetch it through`)})
	}
	if c.KeyValid == "" {
		errs = append(errs, &pipes.FieldError{Field: "key_valid", Err: errors.New("key_valid is empty")})
	}
	if c.KeyErrors == "" {
		errs = append(errs, &pipes.FieldError{Field: "key_errors", Err: errors.New("key_errors is empty")})
	}
	if c.KeyValid != "" && c.KeyValid == c.KeyErrors {
		errs = append(errs, &pipes.FieldError{Field: "key_errors", Err: fmt.Errorf("key_errors and key_valid are both %q", c.KeyValid)})
	}
	return errors.Join(errs...)
}

// SystemRef names the system schema_url is fetched through, so the loader
// checks that it exists.
func (c *JSONSchemaConfig) SystemRef() string { return c.System }

// JSONSchema is a schema written in a config: compiled when the config is
// decoded, so a schema that does not compile is reported at its place.
type JSONSchema struct {
	Node     *pipes.Node
	compiled *compiledSchema
}

// DecodeNode compiles the schema.
func (s *JSONSchema) DecodeNode(n *pipes.Node) pipes.Errors {
	c, errs := compileSchema(n)
	s.Node, s.compiled = n, c
	return errs
}

// JSONSchemaSpec is the "json_schema" transform.
var JSONSchemaSpec = component.Typed(component.KindTransform, "json_schema",
	"Validates each entity, as it is (reserved properties included), against a [JSON Schema](https://json-schema.org/): `key_valid` is set to whether it is valid, and an invalid entity gets the list of what is wrong under `key_errors` "+
		"(`'born' is a required property`, `1 is not of type 'string'`: Sesam's messages, ordered as the schema's keywords are written). Every entity passes on, valid or not; a `dtl` transform after it can filter on `key_valid`. "+
		"The schema is given inline in `schema`, or fetched from `schema_url` through a [`system:url`](systems.md#systemurl). As JSON Schema says, `format` is an annotation and is not checked.",
	func() *JSONSchemaConfig { return &JSONSchemaConfig{KeyValid: "valid", KeyErrors: "errors"} },
	func(c *JSONSchemaConfig, env component.Env) (component.Transform, error) {
		t := &jsonSchemaTransform{cfg: c, schema: c.Schema.compiled}
		if c.SchemaURL == "" {
			return t, nil
		}
		var sys any
		ok := false
		if env.System != nil {
			sys, ok = env.System(c.System)
		}
		if !ok {
			return nil, fmt.Errorf("no system %q", c.System)
		}
		if t.fetcher, ok = sys.(schemaFetcher); !ok {
			return nil, fmt.Errorf("system %q is a %T, not a system:url, so schema_url cannot be fetched through it", c.System, sys)
		}
		return t, nil
	}).
	WithExample(`{"type": "json_schema", "schema": {"type": "object", "properties": {"name": {"type": "string"}, "born": {"type": "string"}}, "required": ["name", "born"]}}`)

// schemaFetcher is what the transform needs of a system:url.
type schemaFetcher interface {
	URL(rel string) (string, error)
	Do(ctx context.Context, req *http.Request) (*http.Response, error)
}

// maxSchemaBytes caps a fetched schema.
const maxSchemaBytes = 16 << 20

type jsonSchemaTransform struct {
	cfg     *JSONSchemaConfig
	fetcher schemaFetcher // set for schema_url

	mu     sync.Mutex
	schema *compiledSchema // nil until a schema_url is fetched
}

func (t *jsonSchemaTransform) Transform(ctx context.Context, in []entity.Entity) ([]entity.Entity, error) {
	schema, err := t.compiled(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]entity.Entity, 0, len(in))
	for _, e := range in {
		if t.cfg.TriggerOn != nil {
			d, err := dtl.DecodeEntity(e)
			if err != nil {
				return nil, err
			}
			if !t.cfg.TriggerOn.Matches(d) {
				out = append(out, e)
				continue
			}
		}
		msgs, err := schema.validate(e)
		if err != nil {
			id, _ := entity.ID(e)
			return nil, fmt.Errorf("entity %q: %w", id, err)
		}
		out = append(out, withResult(e, t.cfg.KeyValid, t.cfg.KeyErrors, msgs))
	}
	return out, nil
}

// compiled returns the schema, fetching and compiling a schema_url the
// first time; a failure is not kept, so the next run tries again.
func (t *jsonSchemaTransform) compiled(ctx context.Context) (*compiledSchema, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.schema != nil {
		return t.schema, nil
	}
	if t.fetcher == nil {
		return nil, errors.New("json_schema: no schema") // cannot happen: Validate wants one
	}
	url, err := t.fetcher.URL(t.cfg.SchemaURL)
	if err != nil {
		return nil, fmt.Errorf("schema_url: %w", err)
	}
	body, err := t.fetch(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("schema_url %s: %w", url, err)
	}
	n, err := pipes.Parse(url, body)
	if err != nil {
		return nil, fmt.Errorf("schema_url: %w", err)
	}
	c, errs := compileSchema(n)
	if errs.HasErrors() {
		return nil, fmt.Errorf("schema_url: %w", errs)
	}
	t.schema = c
	return c, nil
}

func (t *jsonSchemaTransform) fetch(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/schema+json, application/json")
	resp, err := t.fetcher.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("answered %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxSchemaBytes+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxSchemaBytes {
		return nil, fmt.Errorf("the schema is larger than %d MiB", maxSchemaBytes>>20)
	}
	return body, nil
}

// withResult copies e with keyValid set and, for an invalid entity,
// keyErrors set to msgs; whatever e had under those keys is replaced.
func withResult(e entity.Entity, keyValid, keyErrors string, msgs []string) entity.Entity {
	out := make([]byte, 0, len(e)+len(keyValid)+len(keyErrors)+16)
	out = append(out, '{')
	gjson.ParseBytes(e).ForEach(func(k, v gjson.Result) bool {
		if k.Str == keyValid || k.Str == keyErrors {
			return true
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(out, k.Raw...)
		out = append(out, ':')
		out = append(out, v.Raw...)
		return true
	})
	if len(out) > 1 {
		out = append(out, ',')
	}
	out = appendJSONString(out, keyValid)
	if msgs == nil {
		return append(out, ":true}"...)
	}
	out = append(out, ":false,"...)
	out = appendJSONString(out, keyErrors)
	out = append(out, ":["...)
	for i, m := range msgs {
		if i > 0 {
			out = append(out, ',')
		}
		out = appendJSONString(out, m)
	}
	return append(out, "]}"...)
}

// schemaURL names the inline schema; it is never fetched. It is
// hierarchical so that relative references resolve under it (and are
// refused by noLoader) rather than to the schema itself.
const schemaURL = "sluice:///schema.json"

// compiledSchema is a compiled schema with the document it was written
// as, for messages that quote it. It is immutable.
type compiledSchema struct {
	schema *jsonschema.Schema
	node   *pipes.Node
}

// compileSchema compiles the schema at n, with every loader refused so
// that nothing but n (and the drafts' own metaschemas, built into the
// library) is read. Problems are placed at the part of n at fault.
func compileSchema(n *pipes.Node) (*compiledSchema, pipes.Errors) {
	var errs pipes.Errors
	if n.Kind != pipes.Object {
		errs.Add(n, "a schema is a JSON object, not %s", n.Describe())
		return nil, errs
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(n.JSON()))
	if err != nil {
		errs.Add(n, "%v", err)
		return nil, errs
	}
	comp := jsonschema.NewCompiler()
	comp.DefaultDraft(jsonschema.Draft2020)
	comp.UseLoader(noLoader{})
	if err := comp.AddResource(schemaURL, doc); err != nil {
		errs.Add(n, "%v", err)
		return nil, errs
	}
	s, err := comp.Compile(schemaURL)
	if err == nil {
		return &compiledSchema{schema: s, node: n}, nil
	}
	var sve *jsonschema.SchemaValidationError
	var ve *jsonschema.ValidationError
	if errors.As(err, &sve) && errors.As(sve.Err, &ve) {
		var leaves []*jsonschema.ValidationError
		schemaLeaves(ve, &leaves)
		placed := map[*pipes.Node]bool{}
		for _, l := range leaves {
			at := deepest(n, l.InstanceLocation)
			if placed[at] {
				continue // a keyword of several shapes fails once per shape: one says enough
			}
			placed[at] = true
			errs.Add(at, "invalid schema: %s", l.ErrorKind.LocalizedString(printer))
		}
		if len(errs) > 0 {
			return nil, errs
		}
	}
	var le *jsonschema.LoadURLError
	if errors.As(err, &le) {
		errs.Add(n, "cannot use %q: the schema must be self-contained (refer to parts of it with \"#/$defs/...\")", strings.TrimPrefix(le.URL, "sluice:///"))
		return nil, errs
	}
	errs.Add(n, "invalid schema: %s", strings.ReplaceAll(err.Error(), schemaURL, "schema"))
	return nil, errs
}

// deepest is the node at tokens under n, or the deepest one on the way.
func deepest(n *pipes.Node, tokens []string) *pipes.Node {
	at := n
	for i := range tokens {
		c := n.Child(pointer(tokens[:i+1]))
		if c == nil {
			break
		}
		at = c
	}
	return at
}

// schemaLeaves gathers the innermost errors of a schema's validation
// against its metaschema, the ones that say what is wrong.
func schemaLeaves(e *jsonschema.ValidationError, out *[]*jsonschema.ValidationError) {
	if len(e.Causes) == 0 {
		*out = append(*out, e)
		return
	}
	for _, c := range e.Causes {
		schemaLeaves(c, out)
	}
}

// noLoader refuses every URL: the schema must be self-contained, and
// neither files nor the network are read.
type noLoader struct{}

func (noLoader) Load(string) (any, error) {
	return nil, errors.New("not loaded: only the schema itself is used")
}

var _ pipes.SystemReferrer = (*JSONSchemaConfig)(nil)
