package urlsys

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/pipes"
)

// transformServer answers POSTs of entity arrays: each entity gets
// "seen": true, one whose _id is "drop" is left out, and one whose _id is
// "split" becomes two. It records each request's _ids and headers.
type transformServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests [][]string
	headers  []http.Header
	status   int // when set, the answer's status (with a text body)
	raw      string
}

func newTransformServer(t *testing.T) *transformServer {
	t.Helper()
	ts := &transformServer{}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var in []map[string]any
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || json.Unmarshal(body, &in) != nil {
			http.Error(w, "want a POST of a JSON array", http.StatusBadRequest)
			return
		}
		ts.mu.Lock()
		var ids []string
		for _, e := range in {
			ids = append(ids, e["_id"].(string))
		}
		ts.requests = append(ts.requests, ids)
		ts.headers = append(ts.headers, r.Header.Clone())
		status, raw := ts.status, ts.raw
		ts.mu.Unlock()
		if status != 0 {
			http.Error(w, "the service is down for maintenance", status)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if raw != "" {
			io.WriteString(w, raw)
			return
		}
		var out []map[string]any
		for _, e := range in {
			switch e["_id"] {
			case "drop":
				continue
			case "split":
				out = append(out, map[string]any{"_id": "split-a"}, map[string]any{"_id": "split-b"})
				continue
			}
			e["seen"] = true
			out = append(out, e)
		}
		json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(ts.Close)
	return ts
}

func newHTTPTransform(t *testing.T, js string, env component.Env) component.Transform {
	t.Helper()
	n, err := pipes.Parse("transform.json", []byte(js))
	if err != nil {
		t.Fatal(err)
	}
	cfg := HTTPTransformSpec.NewConfig().(*HTTPTransformConfig)
	if errs := pipes.Decode(n, cfg); errs.HasErrors() {
		t.Fatalf("config %s: %v", js, errs)
	}
	tr, err := component.Build[component.Transform](csvRegistryWith(HTTPTransformSpec), component.KindTransform, "http", cfg, env)
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := tr.(component.Closer); ok {
		t.Cleanup(func() { c.Close(context.Background()) })
	}
	return tr
}

func csvRegistryWith(specs ...component.Spec) *component.Registry {
	r := csvRegistry()
	r.MustRegister(specs...)
	return r
}

func entities(js ...string) []entity.Entity {
	out := make([]entity.Entity, len(js))
	for i, s := range js {
		out[i] = entity.Entity(s)
	}
	return out
}

func idsOf(t *testing.T, es []entity.Entity) string {
	t.Helper()
	var ids []string
	for _, e := range es {
		id, err := entity.ID(e)
		if err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		ids = append(ids, id)
	}
	return strings.Join(ids, ",")
}

func TestHTTPTransformBatchesAndOrder(t *testing.T) {
	ts := newTransformServer(t)
	sys := newSystem(t, `{"url_pattern": "`+ts.URL+`/transforms/%s", "headers": {"X-System": "s", "X-Both": "system"}}`)
	tr := newHTTPTransform(t, `{"system": "api", "url": "dedup", "batch_size": 2, "headers": {"X-Both": "transform"},
		"trigger_on": {"key": "kind", "value": "a*"}}`, envWith(sys))
	in := entities(`{"_id": "1", "kind": "apple"}`, `{"_id": "2", "kind": "pear"}`, `{"_id": "drop", "kind": "avocado"}`,
		`{"_id": "split", "kind": "apricot"}`, `{"_id": "5", "kind": "fig"}`, `{"_id": "6", "kind": "almond"}`)
	out, err := tr.Transform(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	// 1 and drop go in the first request, split and 6 in the second; an
	// answer takes the place of its request's last entity, and the others
	// pass through in their place.
	if got := idsOf(t, out); got != "2,1,5,split-a,split-b,6" {
		t.Fatalf("out %s", got)
	}
	if string(out[0]) != `{"_id": "2", "kind": "pear"}` || !strings.Contains(string(out[1]), `"seen":true`) {
		t.Errorf("entities %s", out)
	}
	if len(ts.requests) != 2 || strings.Join(ts.requests[0], ",") != "1,drop" || strings.Join(ts.requests[1], ",") != "split,6" {
		t.Errorf("requests %v", ts.requests)
	}
	if h := ts.headers[0]; h.Get("X-System") != "s" || h.Get("X-Both") != "transform" || h.Get("Accept") != "application/json" {
		t.Errorf("headers %v", h)
	}
	// Nothing to send: no request.
	if out, err := tr.Transform(context.Background(), entities(`{"_id": "x"}`)); err != nil || idsOf(t, out) != "x" || len(ts.requests) != 2 {
		t.Errorf("nothing triggered: %v %v, %d requests", out, err, len(ts.requests))
	}
}

func TestHTTPTransformFailures(t *testing.T) {
	ts := newTransformServer(t)
	sys := newSystem(t, `{"url_pattern": "`+ts.URL+`/%s", "retries": 1}`)
	in := entities(`{"_id": "1"}`)
	tr := newHTTPTransform(t, `{"system": "api", "url": "t"}`, envWith(sys))

	ts.status = http.StatusServiceUnavailable
	_, err := tr.Transform(context.Background(), in)
	if err == nil || err.Error() != "http transform: POST "+ts.URL+"/t: 503 Service Unavailable: the service is down for maintenance" {
		t.Fatalf("503: %v", err)
	}
	if len(ts.requests) != 1 {
		t.Fatalf("a request with side effects was sent %d times", len(ts.requests))
	}
	// Without side effects a request is safe to repeat: the system's
	// retries apply.
	pure := newHTTPTransform(t, `{"system": "api", "url": "t", "side_effects": false}`, envWith(sys))
	if _, err := pure.Transform(context.Background(), in); err == nil || len(ts.requests) != 3 {
		t.Fatalf("retried: %v, %d requests", err, len(ts.requests))
	}

	ts.status = 0
	for raw, want := range map[string]string{
		`{"_id": "1"}`:      `the answer (application/json) is not a JSON array of entities: {"_id": "1"}`,
		`[{"_id": "1"}, 2]`: `the answer (application/json) holds 2 at item 1, not an entity (an object)`,
		`[{"_id": `:         `the answer (application/json) is not JSON: [{"_id":`,
	} {
		ts.raw = raw
		if _, err := tr.Transform(context.Background(), in); err == nil || !strings.HasSuffix(err.Error(), want) {
			t.Errorf("answer %s: %v", raw, err)
		}
	}
	ts.raw = ""

	// A dry run shows a request with side effects instead of sending it.
	var shown []string
	dry := component.WithDryRun(context.Background(), func(line string) { shown = append(shown, line) })
	before := len(ts.requests)
	out, err := tr.Transform(dry, in)
	if err != nil || string(out[0]) != `{"_id": "1"}` || len(ts.requests) != before || len(shown) != 1 || shown[0] != "http transform: would POST 1 entities to "+ts.URL+"/t" {
		t.Fatalf("dry run: %s %v, %d requests, shown %q", out, err, len(ts.requests)-before, shown)
	}
	if out, err := pure.Transform(dry, in); err != nil || len(ts.requests) != before+1 || !strings.Contains(string(out[0]), "seen") {
		t.Fatalf("dry run without side effects: %s %v", out, err)
	}

	// Without a system, an absolute URL.
	abs := newHTTPTransform(t, `{"url": "`+ts.URL+`/t"}`, component.Env{})
	if out, err := abs.Transform(context.Background(), in); err != nil || !strings.Contains(string(out[0]), "seen") {
		t.Fatalf("absolute URL: %s %v", out, err)
	}
}

func TestHTTPTransformConfig(t *testing.T) {
	for cfg, want := range map[string]string{
		`{"type": "http"}`: `missing required property "url"`,
		`{"type": "http", "url": "x", "batch_size": 0}`:     `/0/transform/batch_size: batch_size must be at least 1, not 0`,
		`{"type": "http", "url": "x", "trigger_on": {}}`:    `trigger_on needs a "value"`,
		`{"type": "http", "url": "x", "headers": {"a": 1}}`: `expected a string`,
	} {
		_, err := loadConfig(t, csvRegistryWith(HTTPTransformSpec), map[string]string{"pipes.json": `[{"_id": "p", "type": "pipe", "source": {"type": "csv", "url": "x.csv", "primary_key": "id"}, "transform": ` + cfg + `, "sink": {"type": "discard"}}]`})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s:\n got %v\nwant %q", cfg, err, want)
		}
	}
	c := HTTPTransformSpec.NewConfig().(*HTTPTransformConfig)
	c.URL = "relative"
	if _, err := HTTPTransformSpec.Build(c, component.Env{}); err == nil || !strings.Contains(err.Error(), `url "relative" is not an absolute http:// or https:// URL`) {
		t.Errorf("relative URL without a system: %v", err)
	}
}
