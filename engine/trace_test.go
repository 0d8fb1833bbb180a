package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/builtin"
	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
)

// The secrets the traced config uses; none may reach the execution log.
var traceSecrets = map[string]string{"key": "k3y-0123456789", "pw": "pa55word-xyz", "tenant": "tenant-77-secret"}

// tracedEngine loads config (with $URL the test server's address and the
// secrets above) into an engine over a fresh store.
func tracedEngine(t *testing.T, url, config string) (*engine.Engine, *store.Store) {
	t.Helper()
	dir := testkit.ConfigDir(t, map[string]string{"p.json": strings.ReplaceAll(config, "$URL", url)})
	reg := builtin.Registry()
	cfg, err := pipes.Load(dir, pipes.Options{Types: reg, Secrets: func(name string) (string, bool) {
		v, ok := traceSecrets[name]
		return v, ok
	}})
	if err != nil {
		t.Fatal(err)
	}
	st := testkit.OpenStore(t)
	eng, err := engine.New(context.Background(), cfg, st, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return eng, st
}

// events are a pipe's run events, raw and decoded, in order.
func events(t *testing.T, st *store.Store, pipe string) (raw []string, decoded []map[string]any) {
	t.Helper()
	err := st.Scan(engine.ExecutionDataset(pipe), store.ReadOptions{}, func(_ uint64, e []byte) error {
		var m map[string]any
		raw = append(raw, string(e))
		decoded = append(decoded, m)
		return json.Unmarshal(e, &decoded[len(decoded)-1])
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	return raw, decoded
}

const tracedConfig = `[
  {"_id": "api", "type": "system:rest", "url_pattern": "$URL/%s",
   "authentication": "basic", "username": "u", "password": "$SECRET(pw)",
   "headers": {"X-Tenant": "$SECRET(tenant)", "X-Api-Key": "$SECRET(key)"},
   "operations": {
     "post": {"url": "things/{{ _id }}", "method": "POST",
       "payload": {"key": "$SECRET(key)", "id": "{{ _id }}", "padding": "01234567890123456789012345678901234567890123456789012345678901234567890123456789"}},
     "fail": {"url": "fail", "method": "GET"}}},
  {"_id": "traced", "type": "pipe",
   "source": {"type": "embedded", "entities": [{"_id": "a"}, {"_id": "b"}]},
   "transform": {"type": "rest", "system": "api", "operation": "post", "trace": true}},
  {"_id": "failing", "type": "pipe",
   "source": {"type": "embedded", "entities": [{"_id": "a"}]},
   "transform": {"type": "rest", "system": "api", "operation": "fail", "trace": {"log_response_headers": false, "log_secret_redacted_bytes": 10}}},
  {"_id": "untraced", "type": "pipe",
   "source": {"type": "embedded", "entities": [{"_id": "a"}]},
   "transform": [{"type": "dtl", "rules": {"default": [["copy", "*"]]}}, {"type": "rest", "system": "api", "operation": "post"}]}
]`

func traceAPI(t *testing.T) *testkit.API {
	return testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, body string) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Seen-Tenant", r.Header.Get("X-Tenant"))
		if r.URL.Path == "/fail" {
			w.WriteHeader(500)
			_, _ = io.WriteString(w, `{"error": "the tenant `+r.Header.Get("X-Tenant")+` is broken"}`)
			return
		}
		if len(body) == 0 {
			body = "null"
		}
		_, _ = fmt.Fprintf(w, `{"got": %s, "padding": %q}`, body, strings.Repeat("x", 200))
	})
}

// noSecrets fails when s holds any of the config's secrets.
func noSecrets(t *testing.T, what, s string) {
	t.Helper()
	for name, v := range traceSecrets {
		if strings.Contains(s, v) {
			t.Errorf("%s shows the secret %q:\n%s", what, name, s)
		}
	}
}

func TestTraceInPumpCompleted(t *testing.T) {
	srv := traceAPI(t)
	eng, st := tracedEngine(t, srv.URL, tracedConfig)
	runPipe(t, eng, "traced", engine.RunOptions{})

	raw, evs := events(t, st, "traced")
	if len(evs) != 2 || evs[0]["event"] != "pump-started" || evs[1]["event"] != "pump-completed" {
		t.Fatalf("events: %v", raw)
	}
	if _, ok := evs[0]["trace"]; ok {
		t.Error("pump-started holds a trace")
	}
	noSecrets(t, "pump-completed", raw[1])
	var ev struct {
		Trace        []component.TraceEntry `json:"trace"`
		TraceOmitted *int                   `json:"trace_omitted"`
	}
	if err := json.Unmarshal([]byte(raw[1]), &ev); err != nil {
		t.Fatal(err)
	}
	if len(ev.Trace) != 2 || ev.TraceOmitted != nil {
		t.Fatalf("trace of 2 requests expected: %s", raw[1])
	}
	for i, e := range ev.Trace {
		id := []string{"a", "b"}[i]
		if e.Component != "rest transform" || e.System != "api" || e.Method != "POST" || e.URL != srv.URL+"/things/"+id || e.Status != 200 {
			t.Errorf("request %d: %+v", i, e)
		}
		if e.RequestHeaders["Authorization"] != "***" || e.RequestHeaders["X-Api-Key"] != "***" || e.RequestHeaders["X-Tenant"] != "***" ||
			e.RequestHeaders["Content-Type"] != "application/json" || e.ResponseHeaders["X-Seen-Tenant"] != "***" {
			t.Errorf("request %d headers: %v, %v", i, e.RequestHeaders, e.ResponseHeaders)
		}
		// The body is cut at 100 bytes after the secret in it is hidden.
		if !strings.HasPrefix(e.RequestBody, `{"id":"`+id+`","key":"***","padding":"0123`) || len(e.RequestBody) != 100 || e.RequestBytes <= 100 {
			t.Errorf("request %d body %q (%d bytes)", i, e.RequestBody, e.RequestBytes)
		}
		if !strings.HasPrefix(e.ResponseBody, `{"got": {"id":"`+id+`","key":"***"`) || len(e.ResponseBody) != 100 || e.ResponseBytes <= 300 {
			t.Errorf("response %d body %q (%d bytes)", i, e.ResponseBody, e.ResponseBytes)
		}
	}

	// A pipe whose components do not trace writes no trace.
	runPipe(t, eng, "untraced", engine.RunOptions{})
	raw, _ = events(t, st, "untraced")
	if len(raw) != 2 || strings.Contains(raw[1], `"trace`) {
		t.Errorf("untraced pipe: %v", raw)
	}
}

func TestTraceInPumpFailed(t *testing.T) {
	srv := traceAPI(t)
	eng, st := tracedEngine(t, srv.URL, tracedConfig)
	if _, err := eng.Run(context.Background(), "failing", engine.RunOptions{}); err == nil {
		t.Fatal("the run did not fail")
	}
	raw, evs := events(t, st, "failing")
	if len(evs) != 2 || evs[1]["event"] != "pump-failed" {
		t.Fatalf("events: %v", raw)
	}
	noSecrets(t, "pump-failed", raw[1])
	// log_secret_redacted_bytes 10 leaves the end of the 16-byte secret.
	trace, _ := evs[1]["trace"].([]any)
	if len(trace) != 1 {
		t.Fatalf("trace: %s", raw[1])
	}
	e := trace[0].(map[string]any)
	if e["status"] != 500.0 || e["response_body"] != `{"error": "the tenant ***secret is broken"}` || e["response_headers"] != nil || e["request_headers"] == nil {
		t.Errorf("failed request: %v", e)
	}
}

// A run keeps the first 100 requests and counts the others.
func TestTraceIsBoundedPerRun(t *testing.T) {
	srv := traceAPI(t)
	var ents []string
	for i := range 130 {
		ents = append(ents, fmt.Sprintf(`{"_id": "e%03d"}`, i))
	}
	eng, st := tracedEngine(t, srv.URL, `[
	  {"_id": "api", "type": "system:rest", "url_pattern": "$URL/%s", "operations": {"post": {"url": "things/{{ _id }}", "method": "POST"}}},
	  {"_id": "many", "type": "pipe", "source": {"type": "embedded", "entities": [`+strings.Join(ents, ",")+`]},
	   "transform": {"type": "rest", "system": "api", "operation": "post", "trace": true}}]`)
	if sum := runPipe(t, eng, "many", engine.RunOptions{}); sum.Read != 130 {
		t.Fatalf("run: %+v", sum)
	}
	_, evs := events(t, st, "many")
	trace, _ := evs[1]["trace"].([]any)
	if len(trace) != 100 || evs[1]["trace_omitted"] != 30.0 {
		t.Fatalf("%d traced, %v omitted", len(trace), evs[1]["trace_omitted"])
	}
	if last := trace[99].(map[string]any); last["url"] != srv.URL+"/things/e099" {
		t.Errorf("the 100th request traced is %v", last["url"])
	}
}

// A dry run records no events, so no trace either, and still runs.
func TestTraceDryRun(t *testing.T) {
	srv := traceAPI(t)
	eng, st := tracedEngine(t, srv.URL, tracedConfig)
	var shown []string
	ctx := component.WithDryRun(context.Background(), func(l string) { shown = append(shown, l) })
	if _, err := eng.Run(ctx, "traced", engine.RunOptions{}); err != nil {
		t.Fatal(err)
	}
	if raw, _ := events(t, st, "traced"); len(raw) != 0 || len(shown) != 2 {
		t.Errorf("events %v, shown %v", raw, shown)
	}
}
