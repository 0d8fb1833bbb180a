package urlsys

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/pipes"
)

// buildSource decodes a json source config and builds it with sys as the
// system "api".
func buildSource(t *testing.T, sys *System, js string) (component.Source, error) {
	t.Helper()
	n, err := pipes.Parse("source.json", []byte(js))
	if err != nil {
		t.Fatal(err)
	}
	cfg := JSONSourceSpec.NewConfig()
	if errs := pipes.Decode(n, cfg); errs.HasErrors() {
		return nil, errs
	}
	reg := component.NewRegistry()
	reg.MustRegister(JSONSourceSpec)
	src, err := component.Build[component.Source](reg, component.KindSource, "json", cfg, envWith(sys))
	if err == nil {
		t.Cleanup(func() {
			if c, ok := src.(component.Closer); ok {
				c.Close(context.Background())
			}
		})
	}
	return src, err
}

func mustSource(t *testing.T, sys *System, js string) component.Source {
	t.Helper()
	src, err := buildSource(t, sys, js)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// batch is what a source emitted: the _ids and the token.
type batch struct {
	ids   []string
	since string
}

func (b batch) String() string { return fmt.Sprintf("%v@%q", b.ids, b.since) }

func read(t *testing.T, src component.Source, since string, size int) ([]batch, error) {
	t.Helper()
	var out []batch
	err := src.Read(t.Context(), component.ReadRequest{Since: since, BatchSize: size}, func(b component.Batch) error {
		var ids []string
		for _, e := range b.Entities {
			var m map[string]any
			if err := json.Unmarshal(e, &m); err != nil {
				t.Fatalf("emitted %q: %v", e, err)
			}
			ids = append(ids, m["_id"].(string))
		}
		out = append(out, batch{ids, b.Since})
		return nil
	})
	return out, err
}

// publisher serves entities 0..n-1 (_updated = index) by the JSON pull
// protocol: since, limit (capped at pageCap when set), and, like sluice's
// publisher, X-Dataset-Last-Offset when lastOffset is set. It records the
// queries it got.
type publisher struct {
	n, pageCap int
	lastOffset bool
	mu         sync.Mutex
	queries    []string
}

func (p *publisher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.queries = append(p.queries, r.URL.RawQuery)
	p.mu.Unlock()
	from := 0
	if s := r.URL.Query().Get("since"); s != "" {
		n, _ := strconv.Atoi(s)
		from = n + 1
	}
	limit := p.n
	if s := r.URL.Query().Get("limit"); s != "" {
		limit, _ = strconv.Atoi(s)
	}
	if p.pageCap > 0 {
		limit = min(limit, p.pageCap)
	}
	var items []string
	last := from - 1
	for i := from; i < p.n && len(items) < limit; i++ {
		items = append(items, fmt.Sprintf(`{"_id": "e%d", "_updated": %d}`, i, i))
		last = i
	}
	if p.lastOffset && last >= 0 {
		w.Header().Set("X-Dataset-Last-Offset", strconv.Itoa(last))
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, "[%s]", strings.Join(items, ",\n"))
}

func (p *publisher) got() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.queries...)
}

func ids(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, "e"+strconv.Itoa(i))
	}
	return out
}

func sameBatches(t *testing.T, got []batch, want ...batch) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("batches:\n got %v\nwant %v", got, want)
	}
}

func TestJSONSourceFullRead(t *testing.T) {
	pub := &publisher{n: 5}
	srv := httptest.NewServer(pub)
	defer srv.Close()
	sys := newSystem(t, subst(`{"url_pattern": "$URL/api/%s"}`, srv.URL))
	src := mustSource(t, sys, `{"system": "api", "url": "entities"}`)
	if src.SupportsSince() {
		t.Fatal("supports_since is off by default")
	}
	got, err := read(t, src, "3", 2)
	if err != nil {
		t.Fatal(err)
	}
	// Not incremental: the stored offset is not sent, and no token is kept.
	sameBatches(t, got, batch{ids(0, 2), ""}, batch{ids(2, 4), ""}, batch{ids(4, 5), ""})
	if q := pub.got(); len(q) != 1 || q[0] != "" {
		t.Errorf("queries %q", q)
	}
}

func TestJSONSourceSince(t *testing.T) {
	pub := &publisher{n: 12}
	srv := httptest.NewServer(pub)
	defer srv.Close()
	sys := newSystem(t, subst(`{"url_pattern": "$URL/api/%s"}`, srv.URL))

	chrono := mustSource(t, sys, `{"system": "api", "url": "entities", "supports_since": true, "is_chronological": true}`)
	got, err := read(t, chrono, "6", 2)
	if err != nil {
		t.Fatal(err)
	}
	sameBatches(t, got, batch{ids(7, 9), "8"}, batch{ids(9, 11), "10"}, batch{ids(11, 12), "11"})
	if q := pub.got(); q[len(q)-1] != "since=6" {
		t.Errorf("queries %q", q)
	}

	// The max strategy: the offset moves only with the last batch, to the
	// largest _updated, compared as numbers (9 < 10).
	maxSrc := mustSource(t, sys, `{"system": "api", "url": "entities", "supports_since": true}`)
	got, err = read(t, maxSrc, "8", 2)
	if err != nil {
		t.Fatal(err)
	}
	sameBatches(t, got, batch{ids(9, 11), "8"}, batch{ids(11, 12), "11"})
}

func TestJSONSourcePaging(t *testing.T) {
	pub := &publisher{n: 7}
	srv := httptest.NewServer(pub)
	defer srv.Close()
	sys := newSystem(t, subst(`{"url_pattern": "$URL/api/%s"}`, srv.URL))
	src := mustSource(t, sys, `{"system": "api", "url": "entities?deleted=true", "supports_since": true, "is_chronological": true, "page_size": 3,
	  "subset": ["eq", "_S.kind", "a"], "headers": {"X-Tenant": "t1"}}`)
	got, err := read(t, src, "", 4)
	if err != nil {
		t.Fatal(err)
	}
	sameBatches(t, got, batch{ids(0, 4), "3"}, batch{ids(4, 7), "6"})
	subset := "subset=%5B%22eq%22%2C%22_S.kind%22%2C%22a%22%5D"
	want := []string{"deleted=true&limit=3&" + subset, "deleted=true&limit=3&since=2&" + subset, "deleted=true&limit=3&since=5&" + subset, "deleted=true&limit=3&since=6&" + subset}
	if q := pub.got(); fmt.Sprint(q) != fmt.Sprint(want) {
		t.Errorf("queries:\n got %q\nwant %q", q, want)
	}

	// A server that ignores since would be asked for the same page forever.
	same := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `[{"_id": "a", "_updated": 1}]`)
	}))
	defer same.Close()
	src = mustSource(t, sys, subst(`{"system": "api", "url": "$URL/x", "supports_since": true, "is_chronological": true, "page_size": 3}`, same.URL))
	if _, err := read(t, src, "", 10); err == nil || !strings.Contains(err.Error(), "does not page by since") {
		t.Fatalf("want a refusal to loop, got %v", err)
	}
}

// TestJSONSourceFollowsSluicePublisher: without page_size, a publisher
// that answers a page at a time (and says where it got to) is followed to
// the end.
func TestJSONSourceFollowsSluicePublisher(t *testing.T) {
	pub := &publisher{n: 7, pageCap: 3, lastOffset: true}
	srv := httptest.NewServer(pub)
	defer srv.Close()
	src := mustSource(t, nil, subst(`{"url": "$URL/api/publishers/p/entities"}`, srv.URL))
	got, err := read(t, src, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	sameBatches(t, got, batch{ids(0, 7), ""})
	if q := pub.got(); fmt.Sprint(q) != fmt.Sprint([]string{"", "since=2", "since=5", "since=6"}) {
		t.Errorf("queries %q", q)
	}
}

func TestJSONSourceConfig(t *testing.T) {
	for _, c := range []struct{ js, want string }{
		{`{"system": "api", "url": "x", "page_size": 10}`, `paging (page_size) needs`},
		{`{"system": "api", "url": "x", "page_size": -1}`, `page_size must be 1 or more`},
		{`{"system": "api", "url": "x", "subset": "nope"}`, `subset must be a DTL expression`},
		{`{"system": "api"}`, `missing required property "url"`},
		{`{"url": "relative"}`, `not an absolute http:// or https:// URL`},
		{`{"system": "nope", "url": "x"}`, `system "nope" is not defined`},
	} {
		_, err := buildSource(t, newSystem(t, `{"url_pattern": "http://h/%s"}`), c.js)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: want an error with %q, got %v", c.js, c.want, err)
		}
	}
}

// TestJSONSourceMalformedPage: a bad page fails the run with the URL and
// where in the body; the complete batches before it went on, the partial
// one did not.
func TestJSONSourceMalformedPage(t *testing.T) {
	bodies := map[string]string{
		"/broken":  "[{\"_id\": \"a\", \"_updated\": 1},\n {\"_id\": \"b\", \"_updated\": 2},\n {\"_id\": \"c\", \"_updated\": 3},\n {\"_id\": }]",
		"/object":  `{"error": "no such dataset"}`,
		"/item":    `[{"_id": "a"}, 42]`,
		"/dup":     `[{"_id": "a", "_id": "b"}]`,
		"/cut":     `[{"_id": "a"}, {"_id": "b"`,
		"/empty":   ``,
		"/trailer": `[{"_id": "a"}] [{"_id": "b"}]`,
		"/noupd":   `[{"_id": "a", "_updated": 1}, {"_id": "b"}]`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, bodies[r.URL.Path])
	}))
	defer srv.Close()
	sys := newSystem(t, subst(`{"url_pattern": "$URL/%s"}`, srv.URL))

	src := mustSource(t, sys, `{"system": "api", "url": "broken?x=1", "supports_since": true, "is_chronological": true}`)
	got, err := read(t, src, "", 2)
	at := strings.Index(bodies["/broken"], "}]") // line 4, column 10
	want := fmt.Sprintf("GET %s/broken?x=1: malformed JSON pull page at byte %d (line 4, column 10)", srv.URL, at)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("want %q, got %v", want, err)
	}
	sameBatches(t, got, batch{[]string{"a", "b"}, "2"}) // c was in the unfinished batch

	for path, want := range map[string]string{
		"object":  "byte 0 (line 1, column 1): the page is an object, not a JSON array of entities",
		"item":    "byte 15 (line 1, column 16): item 1 of the array is a number, not an entity",
		"dup":     "duplicate object member name",
		"cut":     "the page ends before its JSON does",
		"empty":   "the page is empty",
		"trailer": "more JSON after the array",
		"noupd":   `item 1 (_id "b") has no _updated`,
	} {
		incremental := ""
		if path == "noupd" {
			incremental = `, "supports_since": true, "is_chronological": true`
		}
		src := mustSource(t, sys, `{"system": "api", "url": "`+path+`"`+incremental+`}`)
		if _, err := read(t, src, "", 10); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), srv.URL+"/"+path) {
			t.Errorf("%s: want an error with %q and the URL, got %v", path, want, err)
		}
	}
}

func TestJSONSourceAnswers(t *testing.T) {
	defer func(d time.Duration) { firstBackoff = d }(firstBackoff)
	firstBackoff = time.Millisecond
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		switch {
		case r.URL.Path == "/flaky" && calls == 1:
			http.Error(w, "busy", http.StatusServiceUnavailable)
		case r.URL.Path == "/flaky":
			w.Header().Set("X-Dataset-Populated", "false")
			fmt.Fprint(w, `[{"_id": "a"}]`)
		case r.URL.Path == "/empty":
			fmt.Fprint(w, `[]`)
		default:
			http.Error(w, `{"error": "no pipe \"x\""}`, http.StatusNotFound)
		}
	}))
	defer srv.Close()
	sys := newSystem(t, subst(`{"url_pattern": "$URL/%s"}`, srv.URL))

	src := mustSource(t, sys, `{"system": "api", "url": "flaky"}`)
	got, err := read(t, src, "", 10)
	if err != nil || len(got) != 1 || calls != 2 {
		t.Fatalf("a 503 is retried: %v %v after %d calls", got, err, calls)
	}
	if src.(component.PopulatedSource).Populated() {
		t.Error("X-Dataset-Populated: false is not populated")
	}
	_, err = read(t, mustSource(t, sys, `{"system": "api", "url": "missing"}`), "", 10)
	if err == nil || !strings.Contains(err.Error(), "404 Not Found") || !strings.Contains(err.Error(), `no pipe`) {
		t.Errorf("404: %v", err)
	}
	_, err = read(t, mustSource(t, sys, `{"system": "api", "url": "empty", "if_source_empty": "fail"}`), "", 10)
	if err == nil || !strings.Contains(err.Error(), `if_source_empty is "fail"`) {
		t.Errorf("if_source_empty fail: %v", err)
	}
	if _, err = read(t, mustSource(t, sys, `{"system": "api", "url": "empty"}`), "", 10); err != nil {
		t.Errorf("an empty page is accepted: %v", err)
	}
	// The pipe's own failure comes back as it is.
	boom := errors.New("boom")
	err = mustSource(t, sys, `{"system": "api", "url": "flaky"}`).Read(t.Context(), component.ReadRequest{BatchSize: 1}, func(component.Batch) error { return boom })
	if err != boom {
		t.Errorf("emit's error: %v", err)
	}
}

// TestJSONSourceReadsAPageFirst: a page is read to its end before its
// batches go on, so a slow sink does not hold the server's response.
func TestJSONSourceReadsAPageFirst(t *testing.T) {
	var sent atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `[{"_id": "a"}, {"_id": "b"},`)
		w.(http.Flusher).Flush()
		time.Sleep(50 * time.Millisecond)
		fmt.Fprint(w, `{"_id": "c"}]`)
		w.(http.Flusher).Flush()
		sent.Store(true)
	}))
	defer srv.Close()
	var n int
	err := mustSource(t, nil, subst(`{"url": "$URL/x"}`, srv.URL)).Read(t.Context(), component.ReadRequest{BatchSize: 1}, func(b component.Batch) error {
		if n == 0 && !sent.Load() {
			t.Error("a batch went on before the page was read")
		}
		n++
		return nil
	})
	if err != nil || n != 4 {
		t.Fatalf("%d batches, %v", n, err)
	}
}

// TestJSONSourceStreams: a page larger than the read-ahead streams: the
// first batch goes on while the server is still sending the page.
func TestJSONSourceStreams(t *testing.T) {
	defer func(n int) { readAhead = n }(readAhead)
	readAhead = 10
	firstBatch := make(chan struct{})
	var streamed atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `[{"_id": "a"}, {"_id": "b"},`)
		w.(http.Flusher).Flush()
		select {
		case <-firstBatch:
			streamed.Store(true)
		case <-time.After(5 * time.Second):
		}
		fmt.Fprint(w, `{"_id": "c"}]`)
	}))
	defer srv.Close()
	src := mustSource(t, nil, subst(`{"url": "$URL/x"}`, srv.URL))
	var n int
	err := src.Read(t.Context(), component.ReadRequest{BatchSize: 2}, func(b component.Batch) error {
		if n == 0 {
			close(firstBatch)
		}
		n++
		return nil
	})
	if err != nil || n != 2 || !streamed.Load() {
		t.Fatalf("%d batches, %v; the first batch went on before the page ended: %v", n, err, streamed.Load())
	}
}
