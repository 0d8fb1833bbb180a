package rest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/internal/testkit"
)

func TestSystemURL(t *testing.T) {
	for _, c := range []struct{ cfg, rel, want string }{
		{`{"url_pattern": "http://h/api/%s"}`, "items/1", "http://h/api/items/1"},
		{`{"url_pattern": "http://h/api/%s?x=1"}`, "items", "http://h/api/items?x=1"},
		{`{"url_pattern": "http://h/api/"}`, "items", "http://h/api/items"},
		{`{"base_url": "http://h/api/"}`, "items", "http://h/api/items"},
		{`{"base_url": "http://h/api/"}`, "/items", "http://h/api/items"},
		{`{"base_url": "http://h/api"}`, "/items", "http://h/api/items"},
		{`{"url_pattern": "http://h/api/%s"}`, "https://other.example/x?y=1", "https://other.example/x?y=1"},
		{`{"base_url": "http://h/api/"}`, "http://other.example/x", "http://other.example/x"},
	} {
		sys := newSystem(t, c.cfg)
		if got := sys.URL(c.rel); got != c.want {
			t.Errorf("%s + %q = %q, want %q", c.cfg, c.rel, got, c.want)
		}
	}
}

// lookup runs the operation op of a transform once for the entity doc and
// returns what the server saw.
func lookup(t *testing.T, api *testkit.API, sysJSON, doc string) testkit.Request {
	t.Helper()
	sys := newSystem(t, subst(sysJSON, api.URL))
	tr := mustTransform(t, sys, `{"system": "api", "operation": "op"}`)
	if _, err := transform(t, tr, doc); err != nil {
		t.Fatal(err)
	}
	return api.Last(t)
}

func TestRequestURLs(t *testing.T) {
	api := testkit.NewAPI(t, nil)
	other := testkit.NewAPI(t, nil)
	op := `"operations": {"op": {"url": "{{ entity.u }}", "method": "GET", "params": {"q": "{{ entity.q }}", "many": ["a", "b"]}}}`
	for _, c := range []struct{ sys, u, wantURI string }{
		{`{"url_pattern": "$URL/v1/%s", ` + op + `}`, "items/7", "/v1/items/7?many=a&many=b&q=x+y"},
		{`{"url_pattern": "$URL/v1/", ` + op + `}`, "items", "/v1/items?many=a&many=b&q=x+y"},
		{`{"base_url": "$URL/v2/", ` + op + `}`, "/items", "/v2/items?many=a&many=b&q=x+y"},
		{`{"url_pattern": "$URL/v1/%s", ` + op + `}`, "items?page=2", "/v1/items?page=2&many=a&many=b&q=x+y"},
	} {
		r := lookup(t, api, c.sys, `{"_id": "e", "u": "`+c.u+`", "q": "x y"}`)
		if r.URI != c.wantURI {
			t.Errorf("%s with url %q: server saw %s, want %s", c.sys, c.u, r.URI, c.wantURI)
		}
	}
	// An absolute URL goes where it says.
	r := lookup(t, api, `{"url_pattern": "$URL/v1/%s", `+op+`}`, `{"_id": "e", "u": "`+other.URL+`/elsewhere", "q": "z"}`)
	if other.Count() != 1 || r.EscapedPath != "/v1/items" {
		t.Errorf("absolute URL: other got %d requests", other.Count())
	}
	if o := other.Last(t); o.EscapedPath != "/elsewhere" || o.Query != "many=a&many=b&q=z" {
		t.Errorf("absolute URL: other saw %s", o.URI)
	}
}

func TestRequestHeaders(t *testing.T) {
	api := testkit.NewAPI(t, nil)
	r := lookup(t, api, `{"url_pattern": "$URL/%s",
	  "headers": {"X-System": "s", "X-Both": "system", "Accept": "application/json"},
	  "operations": {"op": {"url": "x", "method": "GET", "headers": {"X-Op": "{{ entity._id }}", "X-Both": "operation"}}}}`, `{"_id": "e1"}`)
	for k, want := range map[string]string{"X-System": "s", "X-Op": "e1", "X-Both": "operation", "Accept": "application/json"} {
		if got := r.Header.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	if r.Header.Get("Content-Type") != "" || r.Body != "" {
		t.Errorf("a GET without payload sent Content-Type %q and body %q", r.Header.Get("Content-Type"), r.Body)
	}
}

func TestPayloadTypes(t *testing.T) {
	api := testkit.NewAPI(t, nil)
	entityDoc := `{"_id": "e1", "name": "Ann & Bob", "when": "~t2020-01-02T03:04:05Z", "price": "~f12.50", "ni": "~:ns:1", "tilde": "~~x", "n": 3, "tags": ["a", "b"]}`
	sysFor := func(payloadType, extra string) string {
		return `{"url_pattern": "$URL/%s", "operations": {"op": {"url": "x", "method": "POST"` + payloadType + extra + `,
		  "payload": {"name": "{{ entity.name }}", "when": "{{ entity.when }}", "price": "{{ entity.price }}", "ni": "{{ entity.ni }}", "tilde": "{{ entity.tilde }}", "n": "{{ entity.n }}sesam:markjson", "tags": "{{ entity.tags | tojson }}sesam:markjson"}}}}`
	}

	r := lookup(t, api, sysFor("", ""), entityDoc)
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("json Content-Type %q", ct)
	}
	// Templates render typed values as text (a decimal too: "12.50"; use
	// sesam:markjson for a number), the way Sesam's Jinja does.
	sameJSON(t, "json payload (default type)", json.RawMessage(r.Body), `{"name": "Ann & Bob", "when": "2020-01-02T03:04:05Z", "price": "12.50", "ni": "ns:1", "tilde": "~x", "n": 3, "tags": ["a", "b"]}`)
	if strings.Contains(r.Body, `\u0026`) {
		t.Errorf("json payload is HTML-escaped: %s", r.Body)
	}

	r = lookup(t, api, sysFor(`, "payload-type": "json"`, ""), entityDoc)
	sameJSON(t, "json payload", json.RawMessage(r.Body), `{"name": "Ann & Bob", "when": "2020-01-02T03:04:05Z", "price": "12.50", "ni": "ns:1", "tilde": "~x", "n": 3, "tags": ["a", "b"]}`)

	r = lookup(t, api, sysFor(`, "payload-type": "json-transit"`, ""), entityDoc)
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("json-transit Content-Type %q", ct)
	}
	var transit map[string]any
	if err := json.Unmarshal([]byte(r.Body), &transit); err != nil {
		t.Fatal(err)
	}
	// Rendered templates are text, so in transit form they are plain
	// strings (escaped only where they would read back as typed values).
	sameJSON(t, "json-transit payload", transit, `{"name": "Ann & Bob", "when": "2020-01-02T03:04:05Z", "price": "12.50", "ni": "ns:1", "tilde": "~x", "n": 3, "tags": ["a", "b"]}`)

	r = lookup(t, api, sysFor(`, "payload-type": "form"`, ""), entityDoc)
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("form Content-Type %q", ct)
	}
	form, err := url.ParseQuery(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, typed := range []string{"when", "price", "ni"} {
		delete(form, typed)
	}
	sameJSON(t, "form payload", form, `{"name": ["Ann & Bob"], "tilde": ["~x"], "n": ["3"], "tags": ["a", "b"]}`)

	// text: a string goes as it is; the Content-Type of the operation wins.
	api2 := testkit.NewAPI(t, nil)
	r = lookup(t, api2, `{"url_pattern": "$URL/%s", "operations": {"op": {"url": "x", "method": "PUT", "payload-type": "text", "payload": "Hello {{ entity.name }}, n={{ entity.n }}"}}}`, entityDoc)
	if ct := r.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("text Content-Type %q", ct)
	}
	if r.Method != "PUT" || r.Body != "Hello Ann & Bob, n=3" {
		t.Errorf("text payload: %s %q", r.Method, r.Body)
	}
	r = lookup(t, api2, `{"url_pattern": "$URL/%s", "operations": {"op": {"url": "x", "method": "POST", "payload-type": "text", "headers": {"Content-Type": "text/csv"}, "payload": "a,b\n1,2"}}}`, entityDoc)
	if ct := r.Header.Get("Content-Type"); ct != "text/csv" || r.Body != "a,b\n1,2" {
		t.Errorf("text with own Content-Type: %q %q", ct, r.Body)
	}
	r = lookup(t, api2, `{"url_pattern": "$URL/%s", "operations": {"op": {"url": "x", "method": "POST", "headers": {"Content-Type": "application/vnd.api+json"}, "payload": {"a": 1}}}}`, entityDoc)
	if ct := r.Header.Get("Content-Type"); ct != "application/vnd.api+json" || r.Body != `{"a":1}` {
		t.Errorf("json with own Content-Type: %q %q", ct, r.Body)
	}
}

// TestEntityPayload: an entity's own "payload" replaces the configured one
// and is data, not a template.
func TestEntityPayload(t *testing.T) {
	api := testkit.NewAPI(t, nil)
	base := `{"url_pattern": "$URL/%s", "operations": {"op": {"url": "x", "method": "POST"EXTRA, "payload": {"configured": true}}}}`
	doc := `{"_id": "e1", "payload": {"a": "{{ not rendered }}", "when": "~t2020-01-02T03:04:05Z", "d": "~f1.5", "n": 7, "l": [1, {"x": null}]}}`

	r := lookup(t, api, strings.Replace(base, "EXTRA", "", 1), doc)
	sameJSON(t, "json", json.RawMessage(r.Body), `{"a": "{{ not rendered }}", "when": "2020-01-02T03:04:05Z", "d": 1.5, "n": 7, "l": [1, {"x": null}]}`)
	if r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type %q", r.Header.Get("Content-Type"))
	}
	r = lookup(t, api, strings.Replace(base, "EXTRA", `, "payload-type": "json-transit"`, 1), doc)
	sameJSON(t, "json-transit", json.RawMessage(r.Body), `{"a": "{{ not rendered }}", "when": "~t2020-01-02T03:04:05Z", "d": "~f1.5", "n": 7, "l": [1, {"x": null}]}`)
	r = lookup(t, api, strings.Replace(base, "EXTRA", `, "payload-type": "form"`, 1), `{"_id": "e1", "payload": {"a": "1 2", "b": ["x", "y"]}}`)
	if r.Body != "a=1+2&b=x&b=y" || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Errorf("form: %q %q", r.Body, r.Header.Get("Content-Type"))
	}
	r = lookup(t, api, strings.Replace(base, "EXTRA", `, "payload-type": "multipart-form"`, 1), `{"_id": "e1", "payload": {"a": "1 2", "b": ["x", "y"]}}`)
	req, _ := http.NewRequest("POST", "/", strings.NewReader(r.Body))
	req.Header.Set("Content-Type", r.Header.Get("Content-Type"))
	if err := req.ParseMultipartForm(1 << 20); err != nil || fmt.Sprint(req.MultipartForm.Value) != "map[a:[1 2] b:[x y]]" {
		t.Errorf("multipart-form: %v %v (%q)", err, req.MultipartForm, r.Header.Get("Content-Type"))
	}
	r = lookup(t, api, strings.Replace(base, "EXTRA", `, "payload-type": "text"`, 1), `{"_id": "e1", "payload": "just text"}`)
	if r.Body != "just text" {
		t.Errorf("text: %q", r.Body)
	}
}

func TestStatusCodes(t *testing.T) {
	status := 200
	api := testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		writeRaw(w, status, `{"error": "`+strings.Repeat("x", 400)+`"}`)
	})
	run := func(opExtra string, code int) error {
		t.Helper()
		status = code
		sys := newSystem(t, subst(`{"url_pattern": "$URL/%s", "operations": {"op": {"url": "things/{{ _id }}", "method": "GET"`+opExtra+`}}}`, api.URL))
		tr := mustTransform(t, sys, `{"system": "api", "operation": "op"}`)
		_, err := transform(t, tr, `{"_id": "e1"}`)
		return err
	}
	for _, c := range []struct {
		extra string
		code  int
		ok    bool
	}{
		{"", 200, true}, {"", 201, true}, {"", 204, true}, {"", 299, true},
		{"", 302, false}, {"", 404, false}, {"", 500, false},
		{`, "allowed_status_codes": "200,404"`, 404, true},
		{`, "allowed_status_codes": "200,404"`, 200, true},
		{`, "allowed_status_codes": "200,404"`, 201, false},
		{`, "allowed_status_codes": "200-299, 404-410"`, 409, true},
		{`, "allowed_status_codes": "200-299, 404-410"`, 411, false},
		{`, "allowed_status_codes": [200, 500]`, 500, true},
		{`, "allowed_status_codes": 404`, 404, true},
		{`, "allowed_status_codes": 404`, 200, false},
		{`, "ignored_status_codes": "404"`, 404, true},
		{`, "ignored_status_codes": "404"`, 500, false},
	} {
		err := run(c.extra, c.code)
		if (err == nil) != c.ok {
			t.Errorf("%s, status %d: err %v, want ok=%v", c.extra, c.code, err, c.ok)
		}
	}

	err := run("", 500)
	if err == nil {
		t.Fatal("500 passed")
	}
	msg := err.Error()
	mustContain(t, "error", msg, `entity "e1"`, "operation op", "GET "+api.URL+"/things/e1", "answered 500", `{"error": "xxxx`, "…")
	if len(msg) > 600 {
		t.Errorf("the body excerpt is not short (%d bytes): %s", len(msg), msg)
	}
}

func TestStatusCodesConfig(t *testing.T) {
	for _, bad := range []string{`"abc"`, `"600"`, `"300-200"`, `"99"`, `"200,"`, `true`, `[200, true]`, `"2xx"`} {
		_, errs := systemConfig(t, `{"url_pattern": "x", "operations": {"op": {"url": "x", "method": "GET", "allowed_status_codes": `+bad+`}}}`)
		if !errs.HasErrors() {
			t.Errorf("allowed_status_codes %s decoded", bad)
		} else if !strings.Contains(errs.Error(), "/operations/op/allowed_status_codes") {
			t.Errorf("allowed_status_codes %s: error not at the member: %v", bad, errs)
		}
	}
	var sc StatusCodes
	if errs := decodeConfig(t, "s.json", `"200, 404-410 ,500"`, &sc); errs.HasErrors() {
		t.Fatal(errs)
	}
	if sc.String() != "200,404-410,500" || !sc.Has(405) || sc.Has(411) || !sc.Has(500) || sc.Has(201) {
		t.Errorf("decoded %s", sc)
	}
}

// TestResponseNotJSON: a body that says it is JSON but is not fails with
// the status and an excerpt; other content types arrive as text.
func TestResponseBodies(t *testing.T) {
	api := testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		switch r.URL.Path {
		case "/bad":
			writeRaw(w, 200, "{not json")
		case "/text":
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte("hello"))
		case "/custom":
			w.Header().Set("Content-Type", "application/vnd.acme+json; charset=utf-8")
			_, _ = w.Write([]byte(`{"a": 1}`))
		case "/empty":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(204)
		}
	})
	sys := newSystem(t, subst(`{"url_pattern": "$URL/%s", "json_content_types": ["application/vnd.acme+json"], "operations": {"op": {"url": "{{ _id }}", "method": "GET"}}}`, api.URL))
	tr := mustTransform(t, sys, `{"system": "api", "operation": "op"}`)
	_, err := transform(t, tr, `{"_id": "bad"}`)
	if err == nil {
		t.Fatal("invalid JSON accepted")
	}
	mustContain(t, "error", err.Error(), "operation op", "200", "{not json")
	out, err := transform(t, tr, `{"_id": "text"}`, `{"_id": "custom"}`, `{"_id": "empty"}`)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "entities", out, `[{"_id": "text", "response": "hello"}, {"_id": "custom", "response": {"a": 1}}, {"_id": "empty", "response": null}]`)
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://u:p@h/x":   "http://***@h/x",
		"http://h/x@y":     "http://h/x@y",
		"https://h/a?b=@c": "https://h/a?b=@c",
		"no scheme":        "no scheme",
	} {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
	// A failed request's message does not show the password.
	sys := newSystem(t, `{"url_pattern": "http://user:secret@127.0.0.1:1/%s", "connection_retries": 0}`)
	req := &Request{Method: "GET", URL: sys.URL("x"), rateDelay: 1}
	_, err := sys.Do(context.Background(), req)
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("error %v", err)
	}
}
