package rest

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/internal/testkit"
)

// traceSecret stands for a $SECRET value; fakeRedact hides it as the
// config's RedactBytes would, keeping what follows its first n bytes.
const traceSecret = "tenant-s3cr3t-value"

func fakeRedact(s string, n int) string {
	shown := ""
	if n > 0 && n < len(traceSecret) {
		shown = traceSecret[n:]
	}
	return strings.ReplaceAll(s, traceSecret, "***"+shown)
}

// traced runs entities through a transform of sysJSON with a trace in the
// context, and returns what the trace holds.
func traced(t *testing.T, sys *System, transformJSON string, docs ...string) ([]component.TraceEntry, int, error) {
	t.Helper()
	tr := mustTransform(t, sys, transformJSON)
	trace := component.NewTrace(100, fakeRedact)
	_, err := tr.Transform(component.WithTrace(context.Background(), trace), entities(docs...))
	entries, omitted := trace.Entries()
	return entries, omitted, err
}

const traceOps = `{"url_pattern": "$URL/%s", "authentication": "jwt", "jwt_token": "jwt-abc",
  "headers": {"X-Tenant": "` + traceSecret + `", "X-Api-Key": "literal-key", "Accept": "application/json"},
  "operations": {
    "post": {"url": "things?t=` + traceSecret + `", "method": "POST",
      "payload": {"id": "{{ _id }}", "padding": "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"}},
    "fail": {"url": "status/500", "method": "GET"}}}`

func TestTraceTransformRequests(t *testing.T) {
	api := testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, body string) {
		w.Header().Set("Set-Cookie", "session=abc")
		w.Header().Set("X-Echo", "tenant "+r.Header.Get("X-Tenant"))
		if r.URL.Path == "/status/500" {
			writeRaw(w, 500, `{"error": "broken"}`)
			return
		}
		writeRaw(w, 200, `{"echo": `+body+`, "tenant": "`+r.Header.Get("X-Tenant")+`", "more": "`+strings.Repeat("x", 300)+`"}`)
	})
	sys := newSystem(t, subst(traceOps, api.URL))

	entries, omitted, err := traced(t, sys, `{"system": "api", "operation": "post", "trace": true}`, `{"_id": "a"}`)
	if err != nil || omitted != 0 || len(entries) != 1 {
		t.Fatalf("entries %+v, omitted %d, err %v", entries, omitted, err)
	}
	e := entries[0]
	if e.Component != "rest transform" || e.System != "api" || e.Method != "POST" || e.Status != 200 || e.Error != "" || e.Time.IsZero() || e.DurationMS < 0 {
		t.Errorf("entry %+v", e)
	}
	if e.URL != api.URL+"/things?t=***" {
		t.Errorf("url %q", e.URL)
	}
	// Credential headers are hidden whatever they hold, secrets wherever
	// they are; the rest is shown.
	want := map[string]string{"Authorization": "***", "X-Api-Key": "***", "X-Tenant": "***", "Accept": "application/json", "Content-Type": "application/json"}
	for k, v := range want {
		if e.RequestHeaders[k] != v {
			t.Errorf("request header %s = %q, want %q (all: %v)", k, e.RequestHeaders[k], v, e.RequestHeaders)
		}
	}
	if e.ResponseHeaders["Set-Cookie"] != "***" || e.ResponseHeaders["X-Echo"] != "tenant ***" || e.ResponseHeaders["Content-Type"] != "application/json" {
		t.Errorf("response headers %v", e.ResponseHeaders)
	}
	// Bodies: the first 100 bytes, with their full size beside them.
	sent := api.Last(t).Body
	if len(e.RequestBody) != 100 || !strings.HasPrefix(sent, e.RequestBody) || e.RequestBytes != len(sent) {
		t.Errorf("request body %q (%d bytes), sent %q", e.RequestBody, e.RequestBytes, sent)
	}
	if len(e.ResponseBody) != 100 || !strings.HasPrefix(e.ResponseBody, `{"echo": {"id":"a"`) || e.ResponseBytes < 300 {
		t.Errorf("response body %q (%d bytes)", e.ResponseBody, e.ResponseBytes)
	}
	for _, s := range []string{traceSecret, "jwt-abc", "literal-key", "session=abc"} {
		if strings.Contains(e.URL+e.RequestBody+e.ResponseBody+mapText(e.RequestHeaders)+mapText(e.ResponseHeaders), s) {
			t.Errorf("the trace shows %q", s)
		}
	}

	// A failed request is traced too, its error left to the caller.
	entries, _, err = traced(t, sys, `{"system": "api", "operation": "fail", "trace": true}`, `{"_id": "a"}`)
	if err == nil || len(entries) != 1 || entries[0].Status != 500 || entries[0].ResponseBody != `{"error": "broken"}` {
		t.Fatalf("failed request: %+v, %v", entries, err)
	}
}

func mapText(m map[string]string) string {
	var b strings.Builder
	for k, v := range m {
		b.WriteString(k + ": " + v + "\n")
	}
	return b.String()
}

func TestTraceObjectSettings(t *testing.T) {
	api := testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, body string) {
		writeRaw(w, 200, `{"tenant": "`+r.Header.Get("X-Tenant")+`", "ø": "æøå"}`)
	})
	sys := newSystem(t, subst(traceOps, api.URL))
	entries, _, err := traced(t, sys, `{"system": "api", "operation": "post", "trace": {"log_request_headers": false,
	  "log_request_body_maxsize": 0, "log_response_headers": false, "log_response_body_maxsize": 34, "log_secret_redacted_bytes": 13}}`, `{"_id": "a"}`)
	if err != nil || len(entries) != 1 {
		t.Fatal(entries, err)
	}
	e := entries[0]
	if e.RequestHeaders != nil || e.ResponseHeaders != nil || e.RequestBody != "" || e.RequestBytes == 0 {
		t.Errorf("headers or request body logged: %+v", e)
	}
	// 13 bytes of the secret hidden, the rest kept; the cut at 34 bytes
	// falls inside "ø" and moves back to a whole character.
	if e.ResponseBody != `{"tenant": "***-value", "ø": "æ` || e.URL != api.URL+"/things?t=***-value" {
		t.Errorf("response body %q, url %q", e.ResponseBody, e.URL)
	}
}

// Without "trace", or without a trace in the context (a dry run, a
// push), nothing is recorded.
func TestTraceOff(t *testing.T) {
	api := testkit.NewAPI(t, nil)
	sys := newSystem(t, subst(traceOps, api.URL))
	for _, js := range []string{`{"system": "api", "operation": "post"}`, `{"system": "api", "operation": "post", "trace": false}`, `{"system": "api", "operation": "post", "trace": null}`} {
		if entries, omitted, err := traced(t, sys, js, `{"_id": "a"}`); err != nil || len(entries) != 0 || omitted != 0 {
			t.Errorf("%s: %+v, %d, %v", js, entries, omitted, err)
		}
	}
	tr := mustTransform(t, sys, `{"system": "api", "operation": "post", "trace": true}`)
	if _, err := tr.Transform(context.Background(), entities(`{"_id": "a"}`)); err != nil {
		t.Fatal(err)
	}
	if api.Count() != 4 {
		t.Errorf("%d requests", api.Count())
	}
}

// Each attempt is traced: a rate-limited request and its retry, and a
// connection that failed.
func TestTraceAttemptsAndErrors(t *testing.T) {
	calls := 0
	api := testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		calls++
		if calls == 1 {
			w.Header().Set("Retry-After", "0")
			writeRaw(w, 429, `{"error": "slow down"}`)
			return
		}
		writeRaw(w, 200, `{}`)
	})
	sys := newSystem(t, subst(`{"url_pattern": "$URL/%s", "rate_limiting_retries": 1, "operations": {"op": {"url": "x", "method": "GET"}}}`, api.URL))
	entries, _, err := traced(t, sys, `{"system": "api", "operation": "op", "trace": true}`, `{"_id": "a"}`)
	if err != nil || len(entries) != 2 || entries[0].Status != 429 || entries[1].Status != 200 {
		t.Fatalf("%+v, %v", entries, err)
	}

	sys = newSystem(t, `{"url_pattern": "http://127.0.0.1:1/%s", "connection_retries": 0, "operations": {"op": {"url": "x", "method": "GET"}}}`)
	entries, _, err = traced(t, sys, `{"system": "api", "operation": "op", "trace": true}`, `{"_id": "a"}`)
	if err == nil || len(entries) != 1 || entries[0].Status != 0 || !strings.Contains(entries[0].Error, "refused") {
		t.Fatalf("%+v, %v", entries, err)
	}
}

// The source and the sink trace under their own names.
func TestTraceSourceAndSink(t *testing.T) {
	api := testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, _ string) { writeRaw(w, 200, `[{"_id": "x"}]`) })
	sys := newSystem(t, subst(`{"url_pattern": "$URL/%s", "operations": {"list": {"url": "list", "method": "GET"}, "put": {"url": "x", "method": "PUT"}}}`, api.URL))
	trace := component.NewTrace(100, nil)
	ctx := component.WithTrace(context.Background(), trace)
	src := mustSource(t, sys, `{"system": "api", "operation": "list", "trace": true}`)
	if err := src.Read(ctx, component.ReadRequest{BatchSize: 10}, func(component.Batch) error { return nil }); err != nil {
		t.Fatal(err)
	}
	sink := mustSink(t, sys, `{"system": "api", "operation": "put", "trace": {}}`)
	if _, err := sink.Write(ctx, entities(`{"_id": "x"}`)); err != nil {
		t.Fatal(err)
	}
	entries, _ := trace.Entries()
	if len(entries) != 2 || entries[0].Component != "rest source" || entries[1].Component != "rest sink" || entries[1].Method != "PUT" {
		t.Fatalf("%+v", entries)
	}
}

func TestTraceConfig(t *testing.T) {
	sys := newSystem(t, `{"url_pattern": "http://127.0.0.1:1/%s", "operations": {"op": {"url": "x", "method": "GET"}}}`)
	for js, want := range map[string]string{
		`{"system": "api", "operation": "op",
  "trace": {"log_request_header": true}}`: `transform.json:2:35: /trace/log_request_header: unknown property "log_request_header" (did you mean "log_request_headers"?)`,
		`{"system": "api", "operation": "op", "trace": "yes"}`:                              `/trace: expected a boolean or an object of log_* settings, got "yes"`,
		`{"system": "api", "operation": "op", "trace": {"log_response_headers": 1}}`:        `/trace/log_response_headers: expected a boolean`,
		`{"system": "api", "operation": "op", "trace": {"log_request_body_maxsize": -1}}`:   `/trace/log_request_body_maxsize: log_request_body_maxsize cannot be negative`,
		`{"system": "api", "operation": "op", "trace": {"log_response_body_maxsize": 1.5}}`: `/trace/log_response_body_maxsize:`,
		`{"system": "api", "operation": "op", "trace": {"log_secret_redacted_bytes": 0}}`:   `/trace/log_secret_redacted_bytes: log_secret_redacted_bytes must be -1`,
		`{"system": "api", "operation": "op", "trace": {"log_secret_redacted_bytes": -2}}`:  `/trace/log_secret_redacted_bytes:`,
	} {
		_, err := buildComponent[component.Transform](t, component.KindTransform, sys, js)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s:\n got %v\nwant %s", js, err, want)
		}
	}

	// The object form starts from the defaults (Sesam's, but secrets are
	// hidden whole); true is all of them.
	for js, want := range map[string]TraceConfig{
		`{"system": "api", "trace": true}`: {Enabled: true, traceOptions: defaultTraceOptions()},
		`{"system": "api", "trace": {"log_request_headers": false}}`: {Enabled: true, traceOptions: traceOptions{
			LogRequestHeaders: false, LogRequestBodyMaxsize: 100, LogResponseHeaders: true, LogResponseBodyMaxsize: 100, LogSecretRedactedBytes: -1}},
		`{"system": "api", "trace": {"log_secret_redacted_bytes": 600}}`: {Enabled: true, traceOptions: traceOptions{
			LogRequestHeaders: true, LogRequestBodyMaxsize: 100, LogResponseHeaders: true, LogResponseBodyMaxsize: 100, LogSecretRedactedBytes: 600}},
		`{"system": "api"}`: {},
	} {
		cfg := TransformSpec.NewConfig().(*TransformConfig)
		if errs := decodeConfig(t, "t.json", js, cfg); len(errs) > 0 {
			t.Errorf("%s: %v", js, errs)
			continue
		}
		if cfg.Trace != want {
			t.Errorf("%s: %+v, want %+v", js, cfg.Trace, want)
		}
	}

	// A body size past what sluice keeps is capped, with a warning.
	cfg := TransformSpec.NewConfig().(*TransformConfig)
	errs := decodeConfig(t, "t.json", `{"system": "api", "trace": {"log_response_body_maxsize": 1000000}}`, cfg)
	if errs.HasErrors() || len(errs) != 1 || !errs[0].Warning || !strings.Contains(errs[0].Error(), "/trace/log_response_body_maxsize: warning: log_response_body_maxsize is capped at 16384 bytes") ||
		cfg.Trace.LogResponseBodyMaxsize != maxTracedBody {
		t.Errorf("%v, %+v", errs, cfg.Trace)
	}
}
