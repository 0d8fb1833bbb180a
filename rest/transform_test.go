package rest

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/internal/testkit"
)

// echoAPI answers each request with what it was: {"method", "path", "body"}
// and a header X-Echo; /status/N answers N; /list answers a list.
func echoAPI(t *testing.T) *testkit.API {
	return testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, body string) {
		w.Header().Set("X-Echo", "yes")
		switch {
		case strings.HasPrefix(r.URL.Path, "/status/"):
			code := 0
			for _, c := range strings.TrimPrefix(r.URL.Path, "/status/") {
				code = code*10 + int(c-'0')
			}
			writeJSON(w, code, map[string]any{"status": code})
		case r.URL.Path == "/list":
			writeRaw(w, 200, `[{"id": 1, "v": "a"}, {"id": 2, "v": "b"}]`)
		case r.URL.Path == "/scalar":
			writeRaw(w, 200, `42`)
		default:
			writeJSON(w, 200, map[string]any{"method": r.Method, "path": r.URL.Path, "body": body})
		}
	})
}

const echoOps = `{"url_pattern": "$URL/%s", "operations": {
  "get": {"url": "things/{{ _id }}", "method": "GET"},
  "post": {"url": "things", "method": "POST", "payload": {"id": "{{ _id }}"}},
  "status": {"url": "status/{{ entity.code }}", "method": "GET", "response_status_property": "status_code", "allowed_status_codes": "200-499"},
  "ignore": {"url": "status/{{ entity.code }}", "method": "GET", "ignored_status_codes": "404,410", "response_status_property": "status_code"},
  "list": {"url": "list", "method": "GET"},
  "scalar": {"url": "scalar", "method": "GET"},
  "withprops": {"url": "things/{{ properties.kind }}/{{ _id }}", "method": "GET", "properties": {"kind": "op-kind"}}
}}`

func TestTransformOperation(t *testing.T) {
	api := echoAPI(t)
	sys := newSystem(t, subst(echoOps, api.URL))
	tr := mustTransform(t, sys, `{"system": "api", "operation": "get"}`)
	out, err := transform(t, tr, `{"_id": "a"}`, `{"_id": "b", "operation": "post"}`, `{"_id": "c", "operation": ""}`)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "entities", out, `[
	  {"_id": "a", "response": {"method": "GET", "path": "/things/a", "body": ""}},
	  {"_id": "b", "operation": "post", "response": {"method": "POST", "path": "/things", "body": "{\"id\":\"b\"}"}},
	  {"_id": "c", "operation": "", "response": {"method": "GET", "path": "/things/c", "body": ""}}]`)

	// Without a configured operation, each entity names its own.
	tr = mustTransform(t, sys, `{"system": "api"}`)
	if _, err := transform(t, tr, `{"_id": "a", "operation": "post"}`); err != nil {
		t.Fatal(err)
	}
	_, err = transform(t, tr, `{"_id": "a"}`)
	if err == nil {
		t.Fatal("no operation anywhere, no error")
	}
	mustContain(t, "error", err.Error(), `entity "a"`, "no operation")
	_, err = transform(t, tr, `{"_id": "a", "operation": "nope"}`)
	if err == nil || !strings.Contains(err.Error(), `no operation "nope"`) {
		t.Errorf("unknown operation: %v", err)
	}
}

func TestTransformResponseProperties(t *testing.T) {
	api := echoAPI(t)
	sys := newSystem(t, subst(echoOps, api.URL))
	tr := mustTransform(t, sys, `{"system": "api", "operation": "get", "response_property": "answer", "response_status_property": "code", "response_headers_property": "hdrs"}`)
	out, err := transform(t, tr, `{"_id": "a", "keep": [1, 2]}`)
	if err != nil {
		t.Fatal(err)
	}
	e := out[0]
	sameJSON(t, "answer", e["answer"], `{"method": "GET", "path": "/things/a", "body": ""}`)
	sameJSON(t, "keep", e["keep"], `[1, 2]`)
	if e["code"] != float64(200) {
		t.Errorf("code %v", e["code"])
	}
	hdrs, _ := e["hdrs"].(map[string]any)
	sameJSON(t, "X-Echo", hdrs["X-Echo"], `["yes"]`)
	sameJSON(t, "Content-Type", hdrs["Content-Type"], `["application/json"]`)

	// Operation-level properties, and an allowed non-2xx status.
	tr = mustTransform(t, sys, `{"system": "api", "operation": "status"}`)
	out, err = transform(t, tr, `{"_id": "a", "code": 404}`, `{"_id": "b", "code": 200}`)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "entities", out, `[
	  {"_id": "a", "code": 404, "response": {"status": 404}, "status_code": 404},
	  {"_id": "b", "code": 200, "response": {"status": 200}, "status_code": 200}]`)
}

func TestTransformIgnoredStatus(t *testing.T) {
	api := echoAPI(t)
	sys := newSystem(t, subst(echoOps, api.URL))
	tr := mustTransform(t, sys, `{"system": "api", "operation": "ignore"}`)
	in := `{"_id": "a", "code": 404, "x": {"y": [1, "~t2020-01-01T00:00:00Z"]}}`
	out, err := tr.Transform(context.Background(), entities(in, `{"_id": "b", "code": 200}`))
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "entities", decoded(t, out), `[
	  {"_id": "a", "code": 404, "x": {"y": [1, "~t2020-01-01T00:00:00Z"]}},
	  {"_id": "b", "code": 200, "response": {"status": 200}, "status_code": 200}]`)
	if _, err := transform(t, tr, `{"_id": "c", "code": 500}`); err == nil {
		t.Error("500 is not ignored")
	}
}

func TestTransformReplaceEntity(t *testing.T) {
	api := echoAPI(t)
	sys := newSystem(t, subst(echoOps, api.URL))

	// An object answer becomes the entity, with the original _id.
	tr := mustTransform(t, sys, `{"system": "api", "operation": "get", "replace_entity": true}`)
	out, err := transform(t, tr, `{"_id": "a", "gone": true}`)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "object", out, `[{"_id": "a", "method": "GET", "path": "/things/a", "body": ""}]`)

	// A list answer becomes one entity per element; id_expression names them.
	tr = mustTransform(t, sys, `{"system": "api", "operation": "list", "replace_entity": true, "id_expression": "item-{{ id }}"}`)
	out, err = transform(t, tr, `{"_id": "a"}`)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "list", out, `[{"_id": "item-1", "id": 1, "v": "a"}, {"_id": "item-2", "id": 2, "v": "b"}]`)

	// Without id_expression, list elements get the original _id.
	tr = mustTransform(t, sys, `{"system": "api", "operation": "list", "replace_entity": true}`)
	out, err = transform(t, tr, `{"_id": "a"}`)
	if err != nil {
		t.Fatal(err)
	}
	if ids(out) != "a,a" {
		t.Errorf("ids %s", ids(out))
	}

	tr = mustTransform(t, sys, `{"system": "api", "operation": "scalar", "replace_entity": true}`)
	if _, err := transform(t, tr, `{"_id": "a"}`); err == nil || !strings.Contains(err.Error(), "replace_entity") {
		t.Errorf("a scalar answer with replace_entity: %v", err)
	}
}

func TestTransformTriggerOn(t *testing.T) {
	api := echoAPI(t)
	sys := newSystem(t, subst(echoOps, api.URL))
	tr := mustTransform(t, sys, `{"system": "api", "operation": "get", "trigger_on": {"key": "$operation", "value": "lookup"}}`)
	passed := `{"_id": "b", "$operation": "insert", "n": 1.5, "t": "~t2020-01-01T00:00:00Z"}`
	out, err := tr.Transform(context.Background(), entities(`{"_id": "a", "$operation": "lookup"}`, passed, `{"_id": "c"}`))
	if err != nil {
		t.Fatal(err)
	}
	if string(out[1]) != passed {
		t.Errorf("an entity that does not trigger changed:\n got %s\nwant %s", out[1], passed)
	}
	sameJSON(t, "entities", decoded(t, out), `[
	  {"_id": "a", "$operation": "lookup", "response": {"method": "GET", "path": "/things/a", "body": ""}},
	  {"_id": "b", "$operation": "insert", "n": 1.5, "t": "~t2020-01-01T00:00:00Z"},
	  {"_id": "c"}]`)
	if api.Count() != 1 {
		t.Errorf("%d requests, want 1", api.Count())
	}
}

func TestTransformProperties(t *testing.T) {
	api := echoAPI(t)
	sys := newSystem(t, subst(echoOps, api.URL))
	for _, c := range []struct{ tr, doc, path string }{
		{`{"system": "api", "operation": "withprops"}`, `{"_id": "a"}`, "/things/op-kind/a"},
		{`{"system": "api", "operation": "withprops", "properties": {"kind": "component-kind"}}`, `{"_id": "a"}`, "/things/component-kind/a"},
		{`{"system": "api", "operation": "withprops", "properties": {"kind": "component-kind"}}`, `{"_id": "a", "properties": {"kind": "entity-kind"}}`, "/things/entity-kind/a"},
	} {
		out, err := transform(t, mustTransform(t, sys, c.tr), c.doc)
		if err != nil {
			t.Fatal(err)
		}
		if got := out[0]["response"].(map[string]any)["path"]; got != c.path {
			t.Errorf("%s %s: path %v, want %s", c.tr, c.doc, got, c.path)
		}
	}
}

func TestTransformPaging(t *testing.T) {
	pages := [][]map[string]any{items(1, 2), items(3)}
	api := pagedAPI(t, pages, func(n, total int) any {
		if n < total {
			return "items?page=2"
		}
		return ""
	})
	sys := newSystem(t, subst(`{"url_pattern": "$URL/%s", "operations": {"list": {"url": "items", "method": "GET", "payload_property": "result.items", "next_page_link": "{{ body.next }}"}}}`, api.URL))
	out, err := transform(t, mustTransform(t, sys, `{"system": "api", "operation": "list"}`), `{"_id": "a"}`)
	if err != nil {
		t.Fatal(err)
	}
	var got []any
	for _, it := range out[0]["response"].([]any) {
		got = append(got, it.(map[string]any)["id"])
	}
	sameJSON(t, "paged response ids", got, `[1, 2, 3]`)
}

func TestTransformErrorNamesEntityAndOperation(t *testing.T) {
	api := testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		writeRaw(w, 502, `{"error": "upstream down"}`)
	})
	sys := newSystem(t, subst(`{"url_pattern": "$URL/%s", "operations": {"save": {"url": "things/{{ _id }}", "method": "PUT", "payload": {"a": 1}}}}`, api.URL))
	_, err := transform(t, mustTransform(t, sys, `{"system": "api", "operation": "save"}`), `{"_id": "ok"}`)
	if err == nil {
		t.Fatal("502 passed")
	}
	mustContain(t, "error", err.Error(), `entity "ok"`, "operation save", "PUT "+api.URL+"/things/ok", "answered 502", "upstream down")
}

func TestComponentSystemErrors(t *testing.T) {
	sys := newSystem(t, `{"url_pattern": "http://127.0.0.1:1/%s", "operations": {"get": {"url": "x", "method": "GET"}}}`)
	for js, want := range map[string]string{
		`{"system": "other", "operation": "get"}`: `system "other" is not defined`,
		`{"system": "api", "operation": "nope"}`:  `no operation "nope"`,
	} {
		if _, err := buildComponent[any](t, "transform", sys, js); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", js, err, want)
		}
	}
	if _, err := buildComponent[any](t, "transform", sys, `{"operation": "get"}`); err == nil || !strings.Contains(err.Error(), `missing required property "system"`) {
		t.Errorf("no system: %v", err)
	}
	// A system that is not a REST system.
	reg := registry(t)
	spec, _ := reg.Lookup("transform", "rest")
	cfg := spec.NewConfig()
	if errs := decodeConfig(t, "t.json", `{"system": "api", "operation": "get"}`, cfg); errs.HasErrors() {
		t.Fatal(errs)
	}
	env := envWith(nil)
	env.System = func(string) (any, bool) { return "not a system", true }
	if _, err := spec.Build(cfg, env); err == nil || !strings.Contains(err.Error(), "not a REST system") {
		t.Errorf("a foreign system: %v", err)
	}
}
