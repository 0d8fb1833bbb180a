package rest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/internal/testkit"
)

func TestRenderValueMarkers(t *testing.T) {
	vars := map[string]any{"entity": map[string]any{"id": "e1", "n": int64(3), "list": []any{int64(1), "two"}, "obj": map[string]any{"k": "v"}, "flag": true}}
	in := map[string]any{
		"keep":                     "{{ entity.id }}",
		"skipped":                  "sesam:markskip",
		"skipped-by-if":            "{% if entity.flag %}sesam:markskip{% else %}x{% endif %}",
		"{{ 'key-' ~ entity.id }}": "rendered key",
		"sesam:markskip":           "a key that is the marker",
		"{% if entity.flag %}sesam:markskip{% endif %}k": "a key that renders the marker",
		"n":     "{{ entity.n }}sesam:markjson",
		"list":  "{{ entity.list | tojson }}sesam:markjson",
		"obj":   "{{ entity.obj | tojson }}sesam:markjson",
		"lit":   `{"a": [1, 2.5, null, true]}sesam:markjson`,
		"items": []any{"a", "sesam:markskip", "{{ entity.n }}", map[string]any{"x": "sesam:markskip", "y": "{{ entity.id }}"}},
		"num":   int64(5),
	}
	out, skip, err := renderValue(in, vars)
	if err != nil || skip {
		t.Fatalf("skip %v, err %v", skip, err)
	}
	sameJSON(t, "rendered", out, `{
		"keep": "e1", "key-e1": "rendered key",
		"n": 3, "list": [1, "two"], "obj": {"k": "v"}, "lit": {"a": [1, 2.5, null, true]},
		"items": ["a", "3", {"y": "e1"}], "num": 5}`)
	m := out.(map[string]any)
	if _, ok := m["n"].(int64); !ok {
		t.Errorf("markjson 3 decoded as %T, want int64", m["n"])
	}

	if _, skip, err := renderValue("{{ entity.id }} sesam:markskip", vars); err != nil || !skip {
		t.Errorf("a value containing the skip marker: skip %v, err %v", skip, err)
	}
	if _, _, err := renderValue("{not json}sesam:markjson", vars); err == nil || !strings.Contains(err.Error(), "not JSON") {
		t.Errorf("bad markjson: %v", err)
	}
	if _, _, err := renderValue(map[string]any{"a": "{{ x"}, vars); err == nil {
		t.Error("a bad template in a value rendered")
	}
}

// TestTemplatesInRequests checks templates in the URL, headers (keys and
// values), params and payload as the server receives them.
func TestTemplatesInRequests(t *testing.T) {
	api := testkit.NewAPI(t, nil)
	sys := newSystem(t, subst(`{
	  "url_pattern": "$URL/api/%s",
	  "headers": {"X-System": "fixed"},
	  "operations": {
	    "op": {
	      "url": "items/{{ entity.id }}/{{ entity['n'] }}",
	      "method": "POST",
	      "properties": {"x": "from-op"},
	      "headers": {
	        "X-Prop": "{{ properties.x }}",
	        "X-Sum": "{{ entity.n + entity.m }}",
	        "X-If": "{% if entity.flag %}on{% else %}off{% endif %}",
	        "X-Skip": "{% if entity.missing is defined %}{{ entity.missing }}{% else %}sesam:markskip{% endif %}",
	        "X-{{ entity.hname }}": "key templated",
	        "{% if entity.flag %}sesam:markskip{% endif %}X-Key-Skipped": "v"
	      },
	      "params": {
	        "n": "{{ entity.n }}",
	        "f": "{{ entity.f }}",
	        "gone": "sesam:markskip",
	        "list": "{{ entity.list | tojson }}sesam:markjson",
	        "{{ entity.hname }}": "k"
	      },
	      "payload": {
	        "id": "{{ entity.id }}",
	        "n": "{{ entity.n }}sesam:markjson",
	        "nstr": "{{ entity.n }}",
	        "obj": "{{ entity.obj | tojson }}sesam:markjson",
	        "gone": "{% if false %}x{% else %}sesam:markskip{% endif %}",
	        "{{ 'k-' ~ entity.id }}": "key rendered",
	        "list": ["a", "sesam:markskip", "{{ entity.n + 1 }}"],
	        "when": "{{ entity.when }}"
	      }
	    }
	  }}`, api.URL))
	tr := mustTransform(t, sys, `{"system": "api", "operation": "op"}`)
	_, err := transform(t, tr, `{"_id": "e1", "id": "x1", "n": 12, "m": 30, "f": 2.5, "flag": true, "hname": "Custom", "list": [1, 2], "obj": {"a": {"b": 1}}, "when": "~t2020-01-02T03:04:05Z"}`)
	if err != nil {
		t.Fatal(err)
	}
	r := api.Last(t)
	if r.Method != "POST" || r.EscapedPath != "/api/items/x1/12" {
		t.Errorf("request %s %s", r.Method, r.EscapedPath)
	}
	q, _ := url.ParseQuery(r.Query)
	sameJSON(t, "query", q, `{"n": ["12"], "f": ["2.5"], "list": ["1", "2"], "Custom": ["k"]}`)
	for k, want := range map[string]string{"X-System": "fixed", "X-Prop": "from-op", "X-Sum": "42", "X-If": "on", "X-Custom": "key templated", "Content-Type": "application/json"} {
		if got := r.Header.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	for _, k := range []string{"X-Skip", "X-Key-Skipped"} {
		if _, ok := r.Header[http.CanonicalHeaderKey(k)]; ok {
			t.Errorf("header %s was sent: %q", k, r.Header.Get(k))
		}
	}
	sameJSON(t, "payload", json.RawMessage(r.Body), `{"id": "x1", "n": 12, "nstr": "12", "obj": {"a": {"b": 1}}, "k-x1": "key rendered", "list": ["a", "13"], "when": "2020-01-02T03:04:05Z"}`)
}

// TestBadTemplateIsAConfigError decodes a system whose templates do not
// parse: the problem is reported at its file:line:col.
func TestBadTemplateIsAConfigError(t *testing.T) {
	js := `{
  "url_pattern": "http://127.0.0.1:1/%s",
  "operations": {
    "op": {
      "url": "items/{{ entity.id",
      "method": "GET"
    },
    "paged": {
      "url": "items",
      "method": "GET",
      "next_page_link": "{% if body.next %}{{ body.next }}",
      "id_expression": "{{ id }"
    }
  }
}`
	_, errs := systemConfig(t, js)
	if !errs.HasErrors() {
		t.Fatal("bad templates decoded")
	}
	msg := errs.Error()
	mustContain(t, "errors", msg,
		"system.json:5:14: /operations/op/url: bad template",
		"system.json:11:25: /operations/paged/next_page_link: bad template",
		"system.json:12:24: /operations/paged/id_expression: bad template")
	if !strings.Contains(msg, `items/{{ entity.id`) {
		t.Errorf("the message does not quote the template:\n%s", msg)
	}
	_, errs = systemConfig(t, `{"url_pattern": "x", "operations": {"op": {"url": 5, "method": "GET"}}}`)
	mustContain(t, "errors", errs.Error(), "/operations/op/url: expected a template string, got")
}
