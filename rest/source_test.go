package rest

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/internal/testkit"
)

// pagedAPI serves GET /items?page=N (1-based) from pages; next(n, total)
// gives the "next" member of page n.
func pagedAPI(t *testing.T, pages [][]map[string]any, next func(n, total int) any) *testkit.API {
	t.Helper()
	return testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		n, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if n == 0 {
			n = 1
		}
		body := map[string]any{"page": n}
		if n <= len(pages) {
			body["result"] = map[string]any{"items": pages[n-1]}
		} else {
			body["result"] = map[string]any{"items": []any{}}
		}
		if nx := next(n, len(pages)); nx != nil {
			body["next"] = nx
		}
		writeJSON(w, 200, body)
	})
}

func items(ids ...int) []map[string]any {
	var out []map[string]any
	for _, id := range ids {
		out = append(out, map[string]any{"id": id, "modified": id * 10, "name": fmt.Sprintf("item %d", id)})
	}
	return out
}

func ids(es []map[string]any) string {
	var s []string
	for _, e := range es {
		s = append(s, fmt.Sprint(e["_id"]))
	}
	return strings.Join(s, ",")
}

func uris(a *testkit.API) string {
	var s []string
	for _, r := range a.Requests() {
		s = append(s, r.URI)
	}
	return strings.Join(s, " ")
}

const listOp = `"list": {"url": "items", "method": "GET", "payload_property": "result.items", "id_expression": "{{ id }}",
	  "next_page_link": "{{ body.next }}" %s}`

func pagedSource(t *testing.T, api *testkit.API, opExtra, srcExtra string) component.Source {
	t.Helper()
	sys := newSystem(t, subst(`{"url_pattern": "$URL/%s", "operations": {`+strings.Replace(listOp, "%s", opExtra, 1)+`}}`, api.URL))
	return mustSource(t, sys, `{"system": "api", "operation": "list"`+srcExtra+`}`)
}

func TestPagingNextPageLinkEmpty(t *testing.T) {
	pages := [][]map[string]any{items(1, 2), items(3), items(4, 5)}
	for _, last := range []any{"", nil} { // "next": "" or no "next" at all
		api := pagedAPI(t, pages, func(n, total int) any {
			if n < total {
				return fmt.Sprintf("items?page=%d", n+1)
			}
			return last
		})
		src := pagedSource(t, api, `, "next_page_termination_strategy": "next-page-link-empty"`, "")
		es, _, err := readAll(t, src, "")
		if err != nil {
			t.Fatal(err)
		}
		if ids(es) != "1,2,3,4,5" {
			t.Errorf("ids %s", ids(es))
		}
		if got := uris(api); got != "/items /items?page=2 /items?page=3" {
			t.Errorf("requests %s", got)
		}
		sameJSON(t, "first entity", es[0], `{"_id": "1", "id": 1, "modified": 10, "name": "item 1"}`)
	}
}

func TestPagingDefaultStrategies(t *testing.T) {
	// The default stops on an empty link and on a request that repeats.
	pages := [][]map[string]any{items(1), items(2)}
	api := pagedAPI(t, pages, func(n, total int) any { return fmt.Sprintf("items?page=%d", min(n+1, total)) })
	src := pagedSource(t, api, "", "")
	es, _, err := readAll(t, src, "")
	if err != nil {
		t.Fatal(err)
	}
	if ids(es) != "1,2" || uris(api) != "/items /items?page=2" {
		t.Errorf("ids %s after %s", ids(es), uris(api))
	}
}

func TestPagingSameNextPageLink(t *testing.T) {
	pages := [][]map[string]any{items(1), items(2), items(3)}
	api := pagedAPI(t, pages, func(n, total int) any { return fmt.Sprintf("items?page=%d", min(n+1, total)) })
	src := pagedSource(t, api, `, "next_page_termination_strategy": ["same-next-page-link"]`, "")
	es, _, err := readAll(t, src, "")
	if err != nil {
		t.Fatal(err)
	}
	if ids(es) != "1,2,3" {
		t.Errorf("ids %s", ids(es))
	}
	if got := uris(api); got != "/items /items?page=2 /items?page=3" {
		t.Errorf("requests %s", got)
	}
}

func TestPagingSameNextPageRequest(t *testing.T) {
	pages := [][]map[string]any{items(1), items(2), items(3)}
	api := pagedAPI(t, pages, func(n, total int) any { return fmt.Sprintf("items?page=%d", min(n+1, total)) })
	src := pagedSource(t, api, `, "next_page_termination_strategy": "same-next-page-request"`, "")
	es, _, err := readAll(t, src, "")
	if err != nil {
		t.Fatal(err)
	}
	if ids(es) != "1,2,3" || uris(api) != "/items /items?page=2 /items?page=3" {
		t.Errorf("ids %s after %s", ids(es), uris(api))
	}
}

func TestPagingEmptyResult(t *testing.T) {
	// The API always has a next link; the first empty page ends the read.
	pages := [][]map[string]any{items(1, 2), items(3)}
	api := pagedAPI(t, pages, func(n, total int) any { return fmt.Sprintf("items?page=%d", n+1) })
	src := pagedSource(t, api, `, "next_page_termination_strategy": ["empty-result"]`, "")
	es, _, err := readAll(t, src, "")
	if err != nil {
		t.Fatal(err)
	}
	if ids(es) != "1,2,3" || uris(api) != "/items /items?page=2 /items?page=3" {
		t.Errorf("ids %s after %s", ids(es), uris(api))
	}
	// An empty first page ends it too.
	api = pagedAPI(t, nil, func(n, total int) any { return fmt.Sprintf("items?page=%d", n+1) })
	src = pagedSource(t, api, `, "next_page_termination_strategy": ["empty-result"]`, "")
	es, _, err = readAll(t, src, "")
	if err != nil || len(es) != 0 || api.Count() != 1 {
		t.Errorf("empty first page: %d entities, %d requests, err %v", len(es), api.Count(), err)
	}
}

func TestPagingEmptyLinkWithoutStrategy(t *testing.T) {
	api := pagedAPI(t, [][]map[string]any{items(1)}, func(n, total int) any { return nil })
	src := pagedSource(t, api, `, "next_page_termination_strategy": ["same-next-page-link"]`, "")
	_, _, err := readAll(t, src, "")
	if err == nil {
		t.Fatal("an empty link without next-page-link-empty was accepted")
	}
	mustContain(t, "error", err.Error(), "operation list", "next_page_link rendered empty")
}

// TestPagingOffsetArithmetic pages with {{ body.from + body.count }}.
func TestPagingOffsetArithmetic(t *testing.T) {
	const total = 7
	api := testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		from, _ := strconv.Atoi(r.URL.Query().Get("from"))
		var rows []map[string]any
		for i := from; i < min(from+3, total); i++ {
			rows = append(rows, map[string]any{"id": i})
		}
		writeJSON(w, 200, map[string]any{"from": from, "count": len(rows), "rows": rows})
	})
	sys := newSystem(t, subst(`{"url_pattern": "$URL/%s", "operations": {"list": {"url": "rows", "method": "GET",
	  "params": {"from": 0, "limit": 3},
	  "payload_property": "rows", "id_expression": "row-{{ id }}",
	  "next_page_link": "rows?from={{ body.from + body.count }}&limit={{ params.limit }}",
	  "next_page_termination_strategy": ["empty-result"]}}}`, api.URL))
	src := mustSource(t, sys, `{"system": "api", "operation": "list"}`)
	es, _, err := readAll(t, src, "")
	if err != nil {
		t.Fatal(err)
	}
	if ids(es) != "row-0,row-1,row-2,row-3,row-4,row-5,row-6" {
		t.Errorf("ids %s", ids(es))
	}
	if got := uris(api); got != "/rows?from=0&limit=3 /rows?from=3&limit=3 /rows?from=6&limit=3 /rows?from=7&limit=3" {
		t.Errorf("requests %s", got)
	}
}

func TestSourceIDAndUpdatedExpressions(t *testing.T) {
	api := testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		writeRaw(w, 200, `[{"type": "a", "id": 1, "ts": "2024-01-02"}, {"type": "b", "id": 2, "ts": "2024-03-01"}, {"type": "a", "id": 3, "ts": "2024-02-01"}]`)
	})
	sys := newSystem(t, subst(`{"url_pattern": "$URL/%s", "operations": {"list": {"url": "x", "method": "GET",
	  "id_expression": "{{ type }}-{{ entity.id }}", "updated_expression": "{{ ts }}"}}}`, api.URL))
	src := mustSource(t, sys, `{"system": "api", "operation": "list", "supports_since": true}`)
	if !src.SupportsSince() {
		t.Error("supports_since is set")
	}
	es, since, err := readAll(t, src, "")
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "entities", es, `[
	  {"_id": "a-1", "_updated": "2024-01-02", "type": "a", "id": 1, "ts": "2024-01-02"},
	  {"_id": "b-2", "_updated": "2024-03-01", "type": "b", "id": 2, "ts": "2024-03-01"},
	  {"_id": "a-3", "_updated": "2024-02-01", "type": "a", "id": 3, "ts": "2024-02-01"}]`)
	if since != "2024-03-01" {
		t.Errorf("since %q, want the largest _updated", since)
	}
	if mustSource(t, sys, `{"system": "api", "operation": "list"}`).SupportsSince() {
		t.Error("supports_since defaults to true")
	}
}

// sinceAPI answers the rows whose "u" is above ?since= (or the header
// X-Since, or the path /after/N).
func sinceAPI(t *testing.T) *testkit.API {
	rows := []int{5, 12, 9, 3}
	return testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		s := r.URL.Query().Get("since")
		if s == "" {
			s = r.URL.Query().Get("modifiedAfter")
		}
		if s == "" {
			s = r.Header.Get("X-Since")
		}
		if strings.HasPrefix(r.URL.Path, "/after/") {
			s = strings.TrimPrefix(r.URL.Path, "/after/")
		}
		after, _ := strconv.Atoi(s)
		out := []map[string]any{}
		for _, u := range rows {
			if u > after {
				out = append(out, map[string]any{"id": fmt.Sprintf("r%d", u), "u": u})
			}
		}
		writeJSON(w, 200, out)
	})
}

func TestSourceSince(t *testing.T) {
	for _, c := range []struct {
		name, op, src string
		wantSecond    string // request URI of the second read
		header        string
	}{
		{"query, default name", `"url": "rows", "params": {"limit": 10}`, "", "/rows?limit=10&since=9", ""},
		{"query, since_property_name", `"url": "rows", "since_property_name": "modifiedAfter"`, "", "/rows?modifiedAfter=9", ""},
		{"header", `"url": "rows", "since_property_name": "X-Since", "since_property_location": "header"`, "", "/rows", "9"},
		{"in the URL template", `"url": "after/{{ since or 0 }}"`, "", "/after/9", ""},
		{"set on the source", `"url": "rows"`, `, "since_property_name": "modifiedAfter"`, "/rows?modifiedAfter=9", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			api := sinceAPI(t)
			sys := newSystem(t, subst(`{"url_pattern": "$URL/%s", "operations": {"list": {`+c.op+`, "method": "GET", "id_expression": "{{ id }}", "updated_expression": "{{ u }}"}}}`, api.URL))
			src := mustSource(t, sys, `{"system": "api", "operation": "list", "supports_since": true`+c.src+`}`)
			es, since, err := readAll(t, src, "")
			if err != nil {
				t.Fatal(err)
			}
			if ids(es) != "r5,r12,r9,r3" || since != "12" {
				t.Errorf("first read: %s, since %q (want the largest _updated, 12)", ids(es), since)
			}
			if strings.Contains(api.Last(t).URI, "since") || api.Last(t).Header.Get("X-Since") != "" {
				t.Errorf("first read sent a since: %s %v", api.Last(t).URI, api.Last(t).Header)
			}
			es, since, err = readAll(t, src, "9")
			if err != nil {
				t.Fatal(err)
			}
			r := api.Last(t)
			if r.URI != c.wantSecond || r.Header.Get("X-Since") != c.header {
				t.Errorf("second read sent %s (X-Since %q), want %s (%q)", r.URI, r.Header.Get("X-Since"), c.wantSecond, c.header)
			}
			if ids(es) != "r12" || since != "12" {
				t.Errorf("second read: %s, since %q", ids(es), since)
			}
			// Nothing newer: the since stays.
			_, since, err = readAll(t, src, "12")
			if err != nil || since != "12" {
				t.Errorf("third read: since %q, err %v", since, err)
			}
		})
	}
}

func TestSourceSinceComparesNumbersNumerically(t *testing.T) {
	api := testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		writeRaw(w, 200, `[{"id": "a", "u": 9}, {"id": "b", "u": 10}, {"id": "c", "u": 100000000000000000000000}]`)
	})
	sys := newSystem(t, subst(`{"url_pattern": "$URL/%s", "operations": {"list": {"url": "x", "method": "GET", "id_expression": "{{ id }}", "updated_expression": "{{ u }}"}}}`, api.URL))
	src := mustSource(t, sys, `{"system": "api", "operation": "list", "supports_since": true}`)
	_, since, err := readAll(t, src, "")
	if err != nil || since != "100000000000000000000000" {
		t.Errorf("since %q, err %v", since, err)
	}
}

func TestSourceBatchesCommitSinceAtTheEnd(t *testing.T) {
	api := sinceAPI(t)
	sys := newSystem(t, subst(`{"url_pattern": "$URL/%s", "operations": {"list": {"url": "rows", "method": "GET", "id_expression": "{{ id }}", "updated_expression": "{{ u }}"}}}`, api.URL))
	src := mustSource(t, sys, `{"system": "api", "operation": "list", "supports_since": true}`)
	var batches []string
	err := src.Read(context.Background(), component.ReadRequest{Since: "1", BatchSize: 3}, func(b component.Batch) error {
		batches = append(batches, fmt.Sprintf("%d@%s", len(b.Entities), b.Since))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(batches, " "); got != "3@1 1@12" {
		t.Errorf("batches %s: only the last may carry the new since", got)
	}
}

func TestSourceErrors(t *testing.T) {
	api := testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		switch r.URL.Path {
		case "/noid":
			writeRaw(w, 200, `[{"name": "x"}]`)
		case "/scalars":
			writeRaw(w, 200, `[1, 2]`)
		case "/numid":
			writeRaw(w, 200, `[{"_id": 5}]`)
		default:
			writeRaw(w, 500, `{"error": "boom"}`)
		}
	})
	sys := newSystem(t, subst(`{"url_pattern": "$URL/%s", "operations": {
	  "noid": {"url": "noid", "method": "GET"}, "scalars": {"url": "scalars", "method": "GET"},
	  "numid": {"url": "numid", "method": "GET"}, "fail": {"url": "fail", "method": "GET"}}}`, api.URL))
	for op, want := range map[string][]string{
		"noid":    {"operation noid", "no string _id", "id_expression"},
		"numid":   {"operation numid", "no string _id"},
		"scalars": {"operation scalars", "where entities (objects) were expected"},
		"fail":    {"operation fail", "GET " + api.URL + "/fail answered 500", "boom"},
	} {
		_, _, err := readAll(t, mustSource(t, sys, `{"system": "api", "operation": "`+op+`"}`), "")
		if err == nil {
			t.Errorf("%s: no error", op)
			continue
		}
		mustContain(t, op, err.Error(), want...)
	}
	if _, err := buildComponent[component.Source](t, component.KindSource, sys, `{"system": "api"}`); err == nil || !strings.Contains(err.Error(), "operation") {
		t.Errorf("a source without operation: %v", err)
	}
	if _, err := buildComponent[component.Source](t, component.KindSource, sys, `{"system": "api", "operation": "nope"}`); err == nil || !strings.Contains(err.Error(), `no operation "nope"`) {
		t.Errorf("a source with an unknown operation: %v", err)
	}
}

// TestSourceOwnOperations: a component's operations shadow the system's.
func TestSourceOwnOperations(t *testing.T) {
	api := testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		writeRaw(w, 200, `[{"_id": "`+strings.Trim(r.URL.Path, "/")+`"}]`)
	})
	sys := newSystem(t, subst(`{"url_pattern": "$URL/%s", "operations": {"list": {"url": "system", "method": "GET"}}}`, api.URL))
	es, _, err := readAll(t, mustSource(t, sys, `{"system": "api", "operation": "list", "operations": {"list": {"url": "own", "method": "GET"}}}`), "")
	if err != nil || ids(es) != "own" {
		t.Errorf("ids %s, err %v", ids(es), err)
	}
}
