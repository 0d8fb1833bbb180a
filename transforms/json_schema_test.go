package transforms_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/sluice-sync/sluice/builtin"
	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/pipes"
)

// The example of Sesam's documentation: what comes out is what the page
// shows.
func TestJSONSchemaDocumentedExample(t *testing.T) {
	schema := `{"type": "object", "properties": {"name": {"type": "string"}, "born": {"type": "string"}}, "required": ["name", "born"]}`
	tr := mustBuild(t, nil, `{"type": "json_schema", "schema": `+schema+`}`)
	mustRun(t, tr, []string{
		`{"_id": "3", "valid": false, "errors": ["'born' is a required property"], "name": "Jim"}`,
		`{"_id": "5", "valid": true, "name": "Bob", "born": "1972-03-12"}`,
	}, `{"_id": "3", "name": "Jim"}`, `{"_id": "5", "name": "Bob", "born": "1972-03-12"}`)

	// The page's pipe has a trigger_on: only entities whose _trigger
	// matches are validated, the others pass through as they came.
	tr = mustBuild(t, nil, `{"type": "json_schema", "trigger_on": {"key": "_trigger", "value": "some-value*"}, "schema": `+schema+`}`)
	mustRun(t, tr, []string{
		`{"_id": "3", "name": "Jim"}`,
		`{"_id": "4", "_trigger": "some-value-1", "valid": false, "errors": ["'born' is a required property"], "name": "Jim"}`,
	}, `{"_id": "3", "name": "Jim"}`, `{"_id": "4", "_trigger": "some-value-1", "name": "Jim"}`)
}

func TestJSONSchemaKeys(t *testing.T) {
	tr := mustBuild(t, nil, `{"type": "json_schema", "key_valid": "$ok", "key_errors": "$why", "schema": {"properties": {"n": {"type": "integer"}}}}`)
	// What the entity had under the keys is replaced; a valid entity
	// loses an old error list.
	mustRun(t, tr, []string{
		`{"_id": "a", "n": "x", "$ok": false, "$why": ["'x' is not of type 'integer'"]}`,
		`{"_id": "b", "n": 1, "$ok": true}`,
	}, `{"_id": "a", "n": "x", "$ok": true}`, `{"_id": "b", "$why": ["old"], "n": 1}`)
}

// A schema that does not compile is a config error at its place.
func TestJSONSchemaConfigErrors(t *testing.T) {
	for tr, want := range map[string]string{
		`{"type": "json_schema", "schema": {"properties": {"a": {"type": "strin"}}}}`: `p.json:3:81: /transform/schema/properties/a/type: invalid schema: value must be one of 'array', 'boolean', 'integer', 'null', 'number', 'object', 'string'`,
		`{"type": "json_schema", "schema": {"minimum": "x"}}`:                         `p.json:3:63: /transform/schema/minimum: invalid schema: got string, want number`,
		`{"type": "json_schema", "schema": {"properties": {"a": {"pattern": "(x"}}}}`: `/transform/schema/properties/a/pattern: invalid schema`,
		`{"type": "json_schema", "schema": {"$ref": "other.json"}}`:                   `/transform/schema: cannot use "other.json": the schema must be self-contained`,
		`{"type": "json_schema", "schema": {"$ref": "https://example.com/s.json"}}`:   `cannot use "https://example.com/s.json"`,
		`{"type": "json_schema", "schema": ["type"]}`:                                 `/transform/schema: a schema is a JSON object, not a list`,
		`{"type": "json_schema"}`: `/transform: missing required property "schema" (or "schema_url" with "system")`,
		`{"type": "json_schema", "schema": {}, "schema_url": "s.json", "system": "s"}`: `/transform/schema_url: set either "schema" or "schema_url", not both`,
		`{"type": "json_schema", "schema_url": "s.json"}`:                              `/transform/schema_url: schema_url needs "system"`,
		`{"type": "json_schema", "schema": {}, "key_valid": "e", "key_errors": "e"}`:   `/transform/key_errors: key_errors and key_valid are both "e"`,
		`{"type": "json_schema", "schema": {}, "key_valid": ""}`:                       `/transform/key_valid: key_valid is empty`,
		`{"type": "json_schema", "schema": {}, "system": "nowhere"}`:                   `/transform/system: no system "nowhere" is defined`,
		`{"type": "json_schema", "schema_url": "s.json", "system": "nowhere"}`:         `no system "nowhere" is defined`,
		`{"type": "json_schema", "schema": {}, "trigger_on": {"value": 1, "x": 2}}`:    `unknown trigger_on key "x"`,
	} {
		_, err := build(t, nil, "p", tr)
		if want == "" {
			if err != nil {
				t.Errorf("%s: %v", tr, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s:\n got %v\nwant %s", tr, err, want)
		}
	}
}

// fakeURLSystem stands for a system:url: it resolves URLs against its
// server and counts the requests.
type fakeURLSystem struct {
	base     string
	requests atomic.Int32
}

func (s *fakeURLSystem) URL(rel string) (string, error) { return s.base + "/" + rel, nil }

func (s *fakeURLSystem) Do(ctx context.Context, req *http.Request) (*http.Response, error) {
	s.requests.Add(1)
	return http.DefaultClient.Do(req.WithContext(ctx))
}

type fakeURLConfig struct {
	BaseURL string `json:"base_url"`
}

func TestJSONSchemaURL(t *testing.T) {
	var schema atomic.Value
	schema.Store("")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := schema.Load().(string)
		if r.URL.Path != "/schemas/person.json" || s == "" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, s)
	}))
	defer srv.Close()
	sys := &fakeURLSystem{base: srv.URL}
	reg := component.NewRegistry()
	reg.MustRegister(append(builtin.Specs(),
		component.Typed(component.KindSystem, "fakeurl", "test", func() *fakeURLConfig { return &fakeURLConfig{} },
			func(*fakeURLConfig, component.Env) (any, error) { return sys, nil }),
		component.Typed(component.KindSystem, "other", "test", func() *fakeURLConfig { return &fakeURLConfig{} },
			func(*fakeURLConfig, component.Env) (any, error) { return "not a url system", nil }))...)
	dir := testkit.ConfigDir(t, map[string]string{"p.json": `[
 {"_id": "web", "type": "system:fakeurl"},
 {"_id": "p", "type": "pipe", "source": {"type": "embedded", "entities": []}, "sink": {"type": "null"},
  "transform": {"type": "json_schema", "system": "web", "schema_url": "schemas/person.json"}}
]`})
	cfg, err := pipes.Load(dir, pipes.Options{Types: reg})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(context.Background(), cfg, testkit.OpenStore(t), reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close(context.Background())
	p, err := eng.Pipe("p")
	if err != nil {
		t.Fatal(err)
	}
	tr := p.Transforms[0]
	in := []entity.Entity{entity.Entity(`{"_id": "1", "name": 7}`)}

	// Nothing is fetched before a run; a schema that cannot be had fails
	// the run, and is asked for again the next time.
	if sys.requests.Load() != 0 {
		t.Fatal("fetched when the pipe was built")
	}
	if _, err := tr.Transform(context.Background(), in); err == nil || !strings.Contains(err.Error(), "404 Not Found") {
		t.Fatalf("missing schema: %v", err)
	}
	schema.Store(`{"properties": {"name": {"type": "strin"}}}`)
	if _, err := tr.Transform(context.Background(), in); err == nil || !strings.Contains(err.Error(), "/schemas/person.json:1:34: /properties/name/type: invalid schema") {
		t.Fatalf("invalid schema: %v", err)
	}
	schema.Store(`{"properties": {"name": {"type": "string"}}}`)
	for range 2 {
		out, err := tr.Transform(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		if got := gjson.GetBytes(out[0], "errors").Raw; got != `["7 is not of type 'string'"]` {
			t.Fatalf("errors %s", got)
		}
	}
	if n := sys.requests.Load(); n != 3 {
		t.Fatalf("%d requests: the schema is fetched until it compiles, then kept", n)
	}

	// The system must be one that fetches.
	dir = testkit.ConfigDir(t, map[string]string{"p.json": `[
 {"_id": "o", "type": "system:other"},
 {"_id": "p", "type": "pipe", "source": {"type": "embedded", "entities": []}, "sink": {"type": "null"},
  "transform": {"type": "json_schema", "system": "o", "schema_url": "s.json"}}
]`})
	if cfg, err = pipes.Load(dir, pipes.Options{Types: reg}); err != nil {
		t.Fatal(err)
	}
	if _, err := engine.New(context.Background(), cfg, testkit.OpenStore(t), reg, nil); err == nil || !strings.Contains(err.Error(), `system "o" is a string, not a system:url`) {
		t.Fatalf("other system: %v", err)
	}
}
