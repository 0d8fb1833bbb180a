package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/internal/testkit"
)

func start(t *testing.T, seed bool) (*httptest.Server, *testkit.Buffer) {
	t.Helper()
	log := &testkit.Buffer{}
	a := newAPI(log)
	if seed {
		a.seed()
	}
	srv := httptest.NewServer(a.handler())
	t.Cleanup(srv.Close)
	return srv, log
}

// call sends a request and returns the status and the decoded JSON body (nil when empty).
func call(t *testing.T, method, url, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) == 0 {
		return resp.StatusCode, nil
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q", method, url, ct)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: body %q is not a JSON object: %v", method, url, raw, err)
	}
	return resp.StatusCode, out
}

func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func expect(t *testing.T, what string, gotStatus int, got map[string]any, wantStatus int, want string) {
	t.Helper()
	if gotStatus != wantStatus {
		t.Errorf("%s: status %d, want %d (body %s)", what, gotStatus, wantStatus, asJSON(got))
	}
	if want == "" {
		if got != nil {
			t.Errorf("%s: body %s, want none", what, asJSON(got))
		}
		return
	}
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if asJSON(got) != asJSON(w) {
		t.Errorf("%s: body %s, want %s", what, asJSON(got), asJSON(w))
	}
}

const hookBody = `{"webhook": {"address": "http://127.0.0.1:8080/api/receivers/acme-order-event/entities", "topic": "order/create"}}`

func TestCreateGetListDelete(t *testing.T) {
	srv, _ := start(t, false)
	u := srv.URL

	st, body := call(t, "GET", u+"/webhooks", "")
	expect(t, "empty list", st, body, 200, `{"values": []}`)

	st, body = call(t, "POST", u+"/webhooks", hookBody)
	expect(t, "create", st, body, 201,
		`{"value": {"id": 1, "address": "http://127.0.0.1:8080/api/receivers/acme-order-event/entities", "topic": "order/create"}}`)
	st, body = call(t, "POST", u+"/webhooks", `{"webhook": {"address": "http://x/y", "topic": "order/update"}}`)
	expect(t, "create second", st, body, 201, `{"value": {"id": 2, "address": "http://x/y", "topic": "order/update"}}`)

	st, body = call(t, "GET", u+"/webhooks/2", "")
	expect(t, "get", st, body, 200, `{"value": {"id": 2, "address": "http://x/y", "topic": "order/update"}}`)
	for _, id := range []string{"3", "0", "abc"} {
		st, body = call(t, "GET", u+"/webhooks/"+id, "")
		expect(t, "get unknown "+id, st, body, 404, `{"error": "not found"}`)
	}

	st, body = call(t, "GET", u+"/webhooks", "")
	expect(t, "list", st, body, 200, `{"values": [
		{"id": 1, "address": "http://127.0.0.1:8080/api/receivers/acme-order-event/entities", "topic": "order/create"},
		{"id": 2, "address": "http://x/y", "topic": "order/update"}]}`)

	st, body = call(t, "DELETE", u+"/webhooks/1", "")
	expect(t, "delete", st, body, 204, "")
	st, body = call(t, "DELETE", u+"/webhooks/1", "")
	expect(t, "delete again", st, body, 404, `{"error": "not found"}`)
	st, body = call(t, "GET", u+"/webhooks/1", "")
	expect(t, "get deleted", st, body, 404, `{"error": "not found"}`)

	// Ids are not reused.
	st, body = call(t, "POST", u+"/webhooks", hookBody)
	if st != 201 || asJSON(body["value"].(map[string]any)["id"]) != "3" {
		t.Errorf("create after delete: %d %s, want id 3", st, asJSON(body))
	}
	st, body = call(t, "GET", u+"/webhooks", "")
	if got := asJSON(body); !strings.Contains(got, `"id":2`) || !strings.Contains(got, `"id":3`) || strings.Contains(got, `"id":1`) || st != 200 {
		t.Errorf("list after delete: %d %s", st, got)
	}
}

func TestCreateBadBody(t *testing.T) {
	srv, _ := start(t, false)
	for _, b := range []string{
		``,
		`not json`,
		`{}`,
		`{"webhook": null}`,
		`{"webhook": {"address": "http://x/y"}}`,
		`{"webhook": {"topic": "order/create"}}`,
		`{"webhook": {"address": 1, "topic": "t"}}`,
		`{"address": "http://x/y", "topic": "t"}`,
	} {
		st, body := call(t, "POST", srv.URL+"/webhooks", b)
		if st != 400 || body["error"] == nil {
			t.Errorf("POST /webhooks %q: %d %s, want 400 with an error", b, st, asJSON(body))
		}
	}
	st, body := call(t, "GET", srv.URL+"/webhooks", "")
	expect(t, "nothing created", st, body, 200, `{"values": []}`)
}

func TestUnknownEndpoint(t *testing.T) {
	srv, _ := start(t, false)
	st, body := call(t, "GET", srv.URL+"/nope", "")
	if st != 404 || body["error"] == nil {
		t.Errorf("GET /nope: %d %s", st, asJSON(body))
	}
}

func TestEmit(t *testing.T) {
	receiver := testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		if r.URL.Path == "/broken" {
			w.WriteHeader(500)
			return
		}
		w.Write([]byte("{}"))
	})

	srv, _ := start(t, false)
	for _, h := range []struct{ addr, topic string }{
		{receiver.URL + "/a", "order/create"},
		{receiver.URL + "/broken", "order/create"},
		{"http://127.0.0.1:1/unreachable", "order/create"},
		{receiver.URL + "/other-topic", "order/update"},
	} {
		st, _ := call(t, "POST", srv.URL+"/webhooks", asJSON(map[string]any{"webhook": map[string]string{"address": h.addr, "topic": h.topic}}))
		if st != 201 {
			t.Fatal(st)
		}
	}

	event := `{"order": {"id": 7, "total": 12.5}}`
	st, body := call(t, "POST", srv.URL+"/emit?topic=order/create", event)
	expect(t, "emit", st, body, 200, `{"delivered": 1, "failed": 2}`)
	got := receiver.Requests()
	if len(got) != 2 {
		t.Fatalf("deliveries %+v, want /a and /broken", got)
	}
	for _, d := range got {
		if d.Header.Get("X-Acme-Topic") != "order/create" || d.Header.Get("Content-Type") != "application/json" || d.Body != event {
			t.Errorf("delivery %+v", d)
		}
	}

	st, body = call(t, "POST", srv.URL+"/emit?topic=nobody", `{}`)
	expect(t, "emit to no one", st, body, 200, `{"delivered": 0, "failed": 0}`)
	st, body = call(t, "POST", srv.URL+"/emit", `{}`)
	if st != 400 {
		t.Errorf("emit without topic: %d %s", st, asJSON(body))
	}
	st, body = call(t, "POST", srv.URL+"/emit?topic=order/create", `not json`)
	if st != 400 {
		t.Errorf("emit with bad body: %d %s", st, asJSON(body))
	}
}

func TestFailureInjection(t *testing.T) {
	srv, log := start(t, false)
	u := srv.URL

	st, body := call(t, "POST", u+"/_fail?path=/webhooks&method=POST&status=500&count=2", "")
	expect(t, "_fail", st, body, 200, `{"path": "/webhooks", "method": "POST", "status": 500, "count": 2}`)

	// Other methods on the path are not affected.
	st, body = call(t, "GET", u+"/webhooks", "")
	expect(t, "GET unaffected", st, body, 200, `{"values": []}`)

	for i := range 2 {
		st, body = call(t, "POST", u+"/webhooks", hookBody)
		if st != 500 || !strings.Contains(asJSON(body["error"]), "injected") {
			t.Errorf("injected #%d: %d %s", i, st, asJSON(body))
		}
	}
	st, body = call(t, "POST", u+"/webhooks", hookBody)
	if st != 201 {
		t.Errorf("after the count is used up: %d %s", st, asJSON(body))
	}
	st, body = call(t, "GET", u+"/webhooks", "")
	if n := len(body["values"].([]any)); st != 200 || n != 1 {
		t.Errorf("a failed insert must create nothing: %d %s", st, asJSON(body))
	}

	// Defaults (status 500, count 1, any method) and patterns.
	st, _ = call(t, "POST", u+"/_fail?path=/webhooks/*", "")
	if st != 200 {
		t.Fatal(st)
	}
	st, body = call(t, "DELETE", u+"/webhooks/1", "")
	expect(t, "pattern, default status", st, body, 500, `{"error": "injected failure: 500 Internal Server Error"}`)
	st, _ = call(t, "DELETE", u+"/webhooks/1", "")
	if st != 204 {
		t.Errorf("count defaults to 1: got %d", st)
	}

	st, _ = call(t, "POST", u+"/_fail?path=/webhooks/*&method=get&status=429", "")
	if st != 200 {
		t.Fatal(st)
	}
	st, _ = call(t, "GET", u+"/webhooks/1", "")
	if st != 429 {
		t.Errorf("lower-case method: got %d, want 429", st)
	}

	for _, q := range []string{"", "path=webhooks", "path=/x&status=abc", "path=/x&status=99", "path=/x&count=0", "path=/[x"} {
		st, _ = call(t, "POST", u+"/_fail?"+q, "")
		if st != 400 {
			t.Errorf("_fail?%s: %d, want 400", q, st)
		}
	}
	if !strings.Contains(log.String(), "POST /webhooks 500") {
		t.Errorf("log lacks the injected failure:\n%s", log)
	}
}

func TestResetAndSeed(t *testing.T) {
	srv, _ := start(t, true)
	u := srv.URL
	st, body := call(t, "GET", u+"/webhooks", "")
	expect(t, "seeded", st, body, 200, `{"values": [
		{"id": 1, "address": "https://other.example/hook", "topic": "order/create"},
		{"id": 2, "address": "https://other.example/hook", "topic": "customer/update"}]}`)
	st, body = call(t, "POST", u+"/webhooks", hookBody)
	if st != 201 || asJSON(body["value"].(map[string]any)["id"]) != "3" {
		t.Errorf("create after seed: %d %s", st, asJSON(body))
	}
	call(t, "POST", u+"/_fail?path=/webhooks", "")

	st, body = call(t, "POST", u+"/_reset", "")
	expect(t, "reset", st, body, 200, `{}`)
	st, body = call(t, "GET", u+"/webhooks", "")
	expect(t, "after reset (fault cleared too)", st, body, 200, `{"values": []}`)
	st, body = call(t, "POST", u+"/webhooks", hookBody)
	if st != 201 || asJSON(body["value"].(map[string]any)["id"]) != "1" {
		t.Errorf("ids restart at 1 after reset: %d %s", st, asJSON(body))
	}
}

func TestLogsOneLinePerRequest(t *testing.T) {
	srv, log := start(t, false)
	call(t, "GET", srv.URL+"/webhooks", "")
	call(t, "GET", srv.URL+"/webhooks/9", "")
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "GET /webhooks 200") || !strings.Contains(lines[1], "GET /webhooks/9 404") {
		t.Errorf("log:\n%s", log)
	}
}
