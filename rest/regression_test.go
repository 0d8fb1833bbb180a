package rest

// Regression tests for bugs a review found (each failed before its fix).

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/internal/testkit"
)

// A literal string that starts with "~" (transit "~~...") loses its
// first two characters in a "json" payload.
func TestRegressionJSONPayloadStripsLiteralTilde(t *testing.T) {
	api := testkit.NewAPI(t, nil)
	r := lookup(t, api, `{"url_pattern": "$URL/%s", "operations": {"op": {"url": "x", "method": "POST"}}}`,
		`{"_id": "e", "payload": {"s": "~~tuesday", "t": "~~t1"}}`)
	sameJSON(t, "body", json.RawMessage(r.Body), `{"s": "~tuesday", "t": "~t1"}`)
	r = lookup(t, api, `{"url_pattern": "$URL/%s", "operations": {"op": {"url": "x", "method": "POST", "payload": {"s": "{{ entity.s }}"}}}}`,
		`{"_id": "e", "s": "~~tuesday"}`)
	sameJSON(t, "templated body", json.RawMessage(r.Body), `{"s": "~tuesday"}`)
}

// The dry run does not show the Authorization header that the system's
// authentication adds.
func TestRegressionDryRunHidesAuthenticationHeader(t *testing.T) {
	api := testkit.NewAPI(t, nil)
	sys := newSystem(t, subst(`{"url_pattern": "$URL/%s", "authentication": "basic", "username": "u", "password": "p", "operations": {"create": {"url": "x", "method": "POST", "payload": {"a": 1}}}}`, api.URL))
	var out shown
	if _, err := mustSink(t, sys, `{"system": "api", "operation": "create"}`).Write(component.WithDryRun(context.Background(), out.show), entities(`{"_id": "a"}`)); err != nil {
		t.Fatal(err)
	}
	mustContain(t, "shown", out.String(), "Authorization: ***")
}

// A since used in params (Sesam's since_property_location "manual") is
// also sent as ?since=, and "manual" is rejected.
func TestRegressionSinceInParamsSentTwice(t *testing.T) {
	api := sinceAPI(t)
	sys := newSystem(t, subst(`{"url_pattern": "$URL/%s", "operations": {"list": {"url": "rows", "params": {"updatedAfter": "{{ since }}"}, "method": "GET", "id_expression": "{{ id }}", "updated_expression": "{{ u }}"}}}`, api.URL))
	if _, _, err := readAll(t, mustSource(t, sys, `{"system": "api", "operation": "list", "supports_since": true}`), "9"); err != nil {
		t.Fatal(err)
	}
	if got := api.Last(t).URI; got != "/rows?updatedAfter=9" {
		t.Errorf("sent %s", got)
	}
	if _, errs := systemConfig(t, `{"url_pattern": "x", "operations": {"op": {"url": "x", "method": "GET", "since_property_location": "manual"}}}`); errs.HasErrors() {
		t.Errorf("manual: %v", errs)
	}
}

// A request on a reused connection gets only what is left of read_timeout
// since the connection went idle.
func TestRegressionReadTimeoutCountsIdleTime(t *testing.T) {
	var n atomic.Int32
	api := testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		if n.Add(1) == 2 {
			time.Sleep(500 * time.Millisecond)
		}
		writeJSON(w, 200, map[string]any{})
	})
	sys := newSystem(t, subst(`{"url_pattern": "$URL/%s", "read_timeout": 1, "operations": {"op": {"url": "x", "method": "POST"}}}`, api.URL))
	tr := mustTransform(t, sys, `{"system": "api", "operation": "op"}`)
	if _, err := transform(t, tr, `{"_id": "a"}`); err != nil {
		t.Fatal(err)
	}
	time.Sleep(800 * time.Millisecond)
	if _, err := transform(t, tr, `{"_id": "b"}`); err != nil {
		t.Errorf("server answered in 0.5 s, read_timeout 1 s: %v", err)
	}
}

// A redirect loop on a GET is retried as if the connection had failed.
func TestRegressionRedirectLoopRetriedAsConnectionError(t *testing.T) {
	api := testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		http.Redirect(w, r, r.URL.Path, http.StatusFound)
	})
	if err := callOnce(t, `{"url_pattern": "$URL/%s", "connection_retries": 2, "operations": {"op": {"url": "x", "method": "GET"}}}`, api.URL, ""); err == nil {
		t.Fatal("no error")
	}
	if n := api.Count(); n != 10 {
		t.Errorf("%d requests, want 10 (one redirect chain)", n)
	}
}

// The body excerpt in errors may cut a UTF-8 character in two.
func TestRegressionExcerptBreaksUTF8(t *testing.T) {
	if s := excerpt([]byte(strings.Repeat("a", 299) + "é and more")); !utf8.ValidString(s) {
		t.Errorf("excerpt %q is not valid UTF-8", s)
	}
}

// redactURL hides the host of a URL whose query holds an "@".
func TestRegressionRedactURLQueryAt(t *testing.T) {
	if got := redactURL("http://api.example.com?email=a@b.com"); got != "http://api.example.com?email=a@b.com" {
		t.Errorf("got %s", got)
	}
}

// Params that all render to sesam:markskip leave a bare "?".
func TestRegressionTrailingQuestionMark(t *testing.T) {
	api := testkit.NewAPI(t, nil)
	r := lookup(t, api, `{"url_pattern": "$URL/%s", "operations": {"op": {"url": "x", "method": "GET", "params": {"a": "sesam:markskip"}}}}`, `{"_id": "e"}`)
	if r.URI != "/x" {
		t.Errorf("sent %q", r.URI)
	}
}
