package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/internal/testkit"
)

const sinkOps = `{"url_pattern": "$URL/%s", "operations": {
  "upsert": {"url": "things/{{ _id }}", "method": "PUT", "payload": {"id": "{{ _id }}", "kind": "{{ properties.kind }}"}, "properties": {"kind": "op"}},
  "create": {"url": "things", "method": "POST", "payload": {"id": "{{ _id }}"}},
  "remove": {"url": "things/{{ _id }}", "method": "DELETE"},
  "soft": {"url": "things/{{ _id }}", "method": "DELETE", "ignored_status_codes": "404"}
}}`

func write(t *testing.T, s component.Sink, docs ...string) (component.WriteStats, error) {
	t.Helper()
	return s.Write(context.Background(), entities(docs...))
}

func reqLine(r testkit.Request) string {
	if r.Body == "" {
		return r.Method + " " + r.URI
	}
	body := r.Body
	var b bytes.Buffer
	if json.Compact(&b, []byte(body)) == nil {
		body = b.String()
	}
	return r.Method + " " + r.URI + " " + body
}

func reqLines(a *testkit.API) []string {
	var out []string
	for _, r := range a.Requests() {
		out = append(out, reqLine(r))
	}
	return out
}

func TestSinkEntityShape(t *testing.T) {
	api := testkit.NewAPI(t, nil)
	sys := newSystem(t, subst(sinkOps, api.URL))
	s := mustSink(t, sys, `{"system": "api", "operation": "upsert", "properties": {"kind": "sink"}}`)
	stats, err := write(t, s,
		`{"_id": "a"}`,
		`{"_id": "b", "properties": {"kind": "entity"}}`,
		`{"_id": "c", "operation": "create"}`,
		`{"_id": "d", "payload": {"own": "{{ _id }}", "n": 1}}`,
		`{"_id": "e", "operation": "create", "properties": {"kind": "x"}, "payload": [1, 2]}`,
	)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Written != 5 || stats.Deleted != 0 || stats.Unchanged != 0 {
		t.Errorf("stats %+v", stats)
	}
	want := []string{
		`PUT /things/a {"id":"a","kind":"sink"}`,
		`PUT /things/b {"id":"b","kind":"entity"}`,
		`POST /things {"id":"c"}`,
		`PUT /things/d {"own":"{{ _id }}","n":1}`,
		`POST /things [1,2]`,
	}
	if got := reqLines(api); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The entity's properties replace the sink's wholesale (Sesam: the
	// sink's are then ignored), they are not merged.
	s2 := mustSink(t, sys, `{"system": "api", "operation": "upsert", "properties": {"kind": "sink", "extra": "x"}, "payload": {"kind": "{{ properties.kind }}", "extra": "{{ properties.extra }}"}}`)
	if _, err := write(t, s2, `{"_id": "g", "properties": {"kind": "entity"}}`); err != nil {
		t.Fatal(err)
	}
	if got := reqLine(api.Last(t)); got != `PUT /things/g {"extra":"","kind":"entity"}` {
		t.Errorf("request %s", got)
	}

	// Without the sink's properties, the operation's apply.
	s = mustSink(t, sys, `{"system": "api", "operation": "upsert"}`)
	if _, err := write(t, s, `{"_id": "f"}`); err != nil {
		t.Fatal(err)
	}
	if got := reqLine(api.Last(t)); got != `PUT /things/f {"id":"f","kind":"op"}` {
		t.Errorf("request %s", got)
	}
}

func TestSinkDeletedEntities(t *testing.T) {
	api := testkit.NewAPI(t, nil)
	sys := newSystem(t, subst(sinkOps, api.URL))
	s := mustSink(t, sys, `{"system": "api", "operation": "upsert"}`)
	stats, err := write(t, s, `{"_id": "a", "_deleted": true}`, `{"_id": "b", "_deleted": false}`)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Written != 1 || stats.Unchanged != 1 || stats.Deleted != 0 {
		t.Errorf("stats %+v", stats)
	}
	if got := strings.Join(reqLines(api), "\n"); got != `PUT /things/b {"id":"b","kind":"op"}` {
		t.Errorf("without delete_operation a deleted entity is skipped; requests:\n%s", got)
	}

	api = testkit.NewAPI(t, nil)
	sys = newSystem(t, subst(sinkOps, api.URL))
	s = mustSink(t, sys, `{"system": "api", "operation": "upsert", "delete_operation": "remove"}`)
	stats, err = write(t, s, `{"_id": "a", "_deleted": true, "operation": "create"}`, `{"_id": "b"}`)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Written != 2 || stats.Deleted != 1 {
		t.Errorf("stats %+v", stats)
	}
	if got := strings.Join(reqLines(api), "\n"); got != "DELETE /things/a\n"+`PUT /things/b {"id":"b","kind":"op"}` {
		t.Errorf("requests:\n%s", got)
	}

	if _, err := buildComponent[component.Sink](t, component.KindSink, sys, `{"system": "api", "operation": "upsert", "delete_operation": "nope"}`); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("an unknown delete_operation: %v", err)
	}
}

func TestSinkStatuses(t *testing.T) {
	api := testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		if strings.HasSuffix(r.URL.Path, "/missing") {
			writeRaw(w, 404, `{"error": "no such thing"}`)
			return
		}
		writeJSON(w, 200, map[string]any{})
	})
	sys := newSystem(t, subst(sinkOps, api.URL))
	s := mustSink(t, sys, `{"system": "api", "operation": "soft"}`)
	stats, err := write(t, s, `{"_id": "missing"}`, `{"_id": "there"}`)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Written != 1 || stats.Unchanged != 1 {
		t.Errorf("an ignored status counts as unchanged: %+v", stats)
	}
	s = mustSink(t, sys, `{"system": "api", "operation": "remove"}`)
	stats, err = write(t, s, `{"_id": "there"}`, `{"_id": "missing"}`, `{"_id": "never"}`)
	if err == nil {
		t.Fatal("404 passed")
	}
	if stats.Written != 1 {
		t.Errorf("stats %+v", stats)
	}
	mustContain(t, "error", err.Error(), `entity "missing"`, "operation remove", "DELETE "+api.URL+"/things/missing", "answered 404", "no such thing")
	if strings.Contains(strings.Join(reqLines(api), " "), "never") {
		t.Error("the sink went on after an error")
	}
}

func TestSinkConfig(t *testing.T) {
	sys := newSystem(t, subst(sinkOps, "http://127.0.0.1:1"))
	for _, w := range []string{"0", "65", "-1"} {
		if _, err := buildComponent[component.Sink](t, component.KindSink, sys, `{"system": "api", "operation": "upsert", "workers": `+w+`}`); err == nil || !strings.Contains(err.Error(), "workers") {
			t.Errorf("workers %s: %v", w, err)
		}
	}
	one := mustSink(t, sys, `{"system": "api", "operation": "upsert"}`)
	four := mustSink(t, sys, `{"system": "api", "operation": "upsert", "workers": 4}`)
	type batcher interface{ BatchSize() int }
	if one.(batcher).BatchSize() != 1 || four.(batcher).BatchSize() < 4 {
		t.Errorf("batch sizes %d, %d", one.(batcher).BatchSize(), four.(batcher).BatchSize())
	}
}

// TestSinkWorkers: with 4 workers requests run concurrently, and the
// requests for one _id arrive in the order of the entities.
func TestSinkWorkers(t *testing.T) {
	var inflight, peak atomic.Int32
	var mu sync.Mutex
	arrived := map[string][]int{}
	api := testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, body string) {
		n := inflight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(time.Duration(1+rand.IntN(3)) * time.Millisecond)
		var p struct {
			ID  string `json:"id"`
			Seq int    `json:"seq"`
		}
		_ = json.Unmarshal([]byte(body), &p)
		mu.Lock()
		arrived[p.ID] = append(arrived[p.ID], p.Seq)
		mu.Unlock()
		inflight.Add(-1)
		writeJSON(w, 200, map[string]any{})
	})
	sys := newSystem(t, subst(`{"url_pattern": "$URL/%s", "operations": {"put": {"url": "things/{{ _id }}", "method": "PUT", "payload": {"id": "{{ _id }}", "seq": "{{ entity.seq }}sesam:markjson"}}}}`, api.URL))
	s := mustSink(t, sys, `{"system": "api", "operation": "put", "workers": 4}`)
	var docs []string
	const ids, rounds = 12, 8
	for seq := range rounds {
		for i := range ids {
			docs = append(docs, fmt.Sprintf(`{"_id": "id%d", "seq": %d}`, i, seq))
		}
	}
	stats, err := write(t, s, docs...)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Written != ids*rounds || api.Count() != ids*rounds {
		t.Errorf("stats %+v after %d requests", stats, api.Count())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(arrived) != ids {
		t.Errorf("%d ids arrived", len(arrived))
	}
	for id, seqs := range arrived {
		for i, s := range seqs {
			if s != i {
				t.Errorf("%s arrived in the order %v", id, seqs)
				break
			}
		}
	}
	if p := peak.Load(); p < 2 || p > 4 {
		t.Errorf("at most %d requests ran at once, want 2-4", p)
	}
}

func TestSinkWorkersStopOnError(t *testing.T) {
	var calls atomic.Int32
	api := testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, body string) {
		calls.Add(1)
		if strings.HasSuffix(r.URL.Path, "/bad") {
			writeRaw(w, 500, `{"error": "bad one"}`)
			return
		}
		time.Sleep(2 * time.Millisecond)
		writeJSON(w, 200, map[string]any{})
	})
	sys := newSystem(t, subst(sinkOps, api.URL))
	s := mustSink(t, sys, `{"system": "api", "operation": "remove", "workers": 4}`)
	docs := []string{`{"_id": "bad"}`}
	for i := range 200 {
		docs = append(docs, fmt.Sprintf(`{"_id": "ok%d"}`, i))
	}
	stats, err := write(t, s, docs...)
	if err == nil {
		t.Fatal("no error")
	}
	mustContain(t, "error", err.Error(), `entity "bad"`, "operation remove", "answered 500", "bad one")
	if strings.Contains(err.Error(), "context canceled") {
		t.Errorf("the error is the cancellation, not the cause: %v", err)
	}
	if n := calls.Load(); n >= 201 || stats.Written >= 200 {
		t.Errorf("the other workers did not stop: %d requests, stats %+v", n, stats)
	}
}
