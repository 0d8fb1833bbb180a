package urlsys

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
)

// pushed is one request a fake receiver got.
type pushed struct {
	query  map[string]string
	ids    []string
	header http.Header
}

// String shows the protocol's parameters and the _ids, compactly.
func (p pushed) String() string {
	var b strings.Builder
	for _, k := range []string{"is_full", "request_id", "previous_request_id", "is_first", "is_last"} {
		if v, ok := p.query[k]; ok {
			fmt.Fprintf(&b, "%s=%s ", k, v)
		}
	}
	fmt.Fprintf(&b, "%v", p.ids)
	return b.String()
}

// pushReceiver records requests and answers them by script (status per
// request number; 200 when the script says nothing).
type pushReceiver struct {
	mu     sync.Mutex
	got    []pushed
	answer func(n int, p pushed) (int, string)
}

func (r *pushReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	var items []map[string]any
	if err := json.Unmarshal(body, &items); err != nil {
		http.Error(w, "bad body: "+err.Error(), 400)
		return
	}
	p := pushed{query: map[string]string{}, header: req.Header}
	for k, v := range req.URL.Query() {
		p.query[k] = v[0]
	}
	for _, it := range items {
		p.ids = append(p.ids, it["_id"].(string))
	}
	r.mu.Lock()
	r.got = append(r.got, p)
	n := len(r.got)
	r.mu.Unlock()
	if r.answer != nil {
		if status, msg := r.answer(n, p); status != 0 {
			http.Error(w, msg, status)
			return
		}
	}
	fmt.Fprint(w, "{}")
}

func (r *pushReceiver) requests() []pushed {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]pushed(nil), r.got...)
}

// sinkEnv is a pipe "p" with a store and the system "api".
func sinkEnv(t *testing.T, sys *System, st *store.Store) component.Env {
	env := envWith(sys)
	env.Store = st
	return env
}

func buildSink(t *testing.T, env component.Env, js string) (*jsonSink, error) {
	t.Helper()
	n, err := pipes.Parse("sink.json", []byte(js))
	if err != nil {
		t.Fatal(err)
	}
	cfg := JSONSinkSpec.NewConfig()
	if errs := pipes.Decode(n, cfg); errs.HasErrors() {
		return nil, errs
	}
	reg := component.NewRegistry()
	reg.MustRegister(JSONSinkSpec)
	s, err := component.Build[component.Sink](reg, component.KindSink, "json", cfg, env)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { s.(component.Closer).Close(context.Background()) })
	return s.(*jsonSink), nil
}

func mustSink(t *testing.T, env component.Env, js string) *jsonSink {
	t.Helper()
	s, err := buildSink(t, env, js)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ents(from, to int, extra string) []entity.Entity {
	var out []entity.Entity
	for i := from; i < to; i++ {
		out = append(out, entity.Entity(fmt.Sprintf(`{"_id": "e%d"%s}`, i, extra)))
	}
	return out
}

// commitState is a Progress.Commit that stores the pipe's offset.
func commitState(since string, commits *int) func(*store.Tx) error {
	return func(tx *store.Tx) error {
		*commits++
		return tx.PutPipeState("p", store.PipeState{LastSeen: since})
	}
}

// inOrder sorts a full sync's requests by request_id: a sink sends the
// next batch while the one before is answered, so they may arrive in
// either order at a receiver that does not check it.
func inOrder(got []pushed) []pushed {
	seqs := map[string]int{} // sequences in the order they began
	for _, p := range got {
		if _, ok := seqs[p.query["sequence_id"]]; !ok {
			seqs[p.query["sequence_id"]] = len(seqs)
		}
	}
	key := func(p pushed) [2]int {
		n, _ := strconv.Atoi(p.query["request_id"])
		return [2]int{seqs[p.query["sequence_id"]], n}
	}
	sort.SliceStable(got, func(i, j int) bool {
		a, b := key(got[i]), key(got[j])
		return a[0] < b[0] || (a[0] == b[0] && a[1] < b[1])
	})
	return got
}

func sameRequests(t *testing.T, got []pushed, want ...string) {
	t.Helper()
	var g []string
	for _, p := range got {
		g = append(g, p.String())
	}
	if strings.Join(g, "\n") != strings.Join(want, "\n") {
		t.Fatalf("requests:\n got %s\nwant %s", strings.Join(g, "\n     "), strings.Join(want, "\n     "))
	}
}

func TestJSONSinkIncremental(t *testing.T) {
	rcv := &pushReceiver{}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	st := testkit.OpenStore(t)
	sys := newSystem(t, subst(`{"url_pattern": "$URL/api/%s", "headers": {"X-From": "a"}}`, srv.URL))
	s := mustSink(t, sinkEnv(t, sys, st), `{"system": "api", "url": "receivers/in/entities?tenant=t1", "batch_size": 2, "headers": {"X-Pipe": "p"}}`)
	if s.BatchSize() != 2 {
		t.Fatalf("the pipe's default batch is the sink's: %d", s.BatchSize())
	}
	var commits int
	batch := append(ents(0, 4, ""), entity.Entity(`{"_id": "gone", "_deleted": true}`))
	stats, err := s.WriteWith(t.Context(), batch, component.Progress{Commit: commitState("5", &commits)})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Written != 5 || stats.Deleted != 1 || commits != 1 {
		t.Fatalf("stats %+v, %d commits", stats, commits)
	}
	if _, err := s.WriteWith(t.Context(), nil, component.Progress{Commit: commitState("6", &commits)}); err != nil || commits != 2 {
		t.Fatalf("an empty batch commits without a request: %v, %d commits", err, commits)
	}
	got := rcv.requests()
	sameRequests(t, got,
		"is_full=false request_id=1 [e0 e1]",
		"is_full=false request_id=2 previous_request_id=1 [e2 e3]",
		"is_full=false request_id=3 previous_request_id=2 [gone]")
	seqID := got[0].query["sequence_id"]
	for _, p := range got {
		if p.query["sequence_id"] != seqID || seqID == "" || p.query["tenant"] != "t1" {
			t.Fatalf("one sequence_id and the URL's own query: %v", p.query)
		}
		if p.header.Get("Content-Type") != "application/json" || p.header.Get("X-From") != "a" || p.header.Get("X-Pipe") != "p" {
			t.Fatalf("headers: %v", p.header)
		}
	}
	// The next run is a new sequence.
	if err := s.RunStarted(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WriteWith(t.Context(), ents(9, 10, ""), component.Progress{}); err != nil {
		t.Fatal(err)
	}
	if last := rcv.requests()[3]; last.query["sequence_id"] == seqID || last.query["request_id"] != "1" {
		t.Fatalf("a new run, a new sequence: %v", last.query)
	}
}

func TestJSONSinkFullSync(t *testing.T) {
	rcv := &pushReceiver{}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	st := testkit.OpenStore(t)
	s := mustSink(t, sinkEnv(t, nil, st), subst(`{"url": "$URL/in", "batch_size": 2}`, srv.URL))

	n, err := s.BeginFullRun(t.Context())
	if err != nil || n != 1 {
		t.Fatalf("full run %d, %v", n, err)
	}
	var commits int
	// A full sync's batch is reported by the next call: WriteWith, or Flush.
	if stats, err := s.WriteWith(t.Context(), ents(0, 3, ""), component.Progress{FullRun: n, Commit: commitState("3", &commits)}); err != nil || stats.Written != 0 {
		t.Fatal(stats, err)
	}
	if stats, err := s.WriteWith(t.Context(), ents(3, 4, ""), component.Progress{FullRun: n, Commit: commitState("4", &commits)}); err != nil || stats.Written != 3 {
		t.Fatal(stats, err)
	}
	if stats, err := s.Flush(t.Context()); err != nil || stats.Written != 1 {
		t.Fatal(stats, err)
	}
	if ps, _ := st.PipeState("p"); ps.LastSeen != "4" || commits != 2 {
		t.Fatalf("each batch commits: %+v, %d commits", ps, commits)
	}
	if _, err := s.EndFullRun(t.Context(), n, commitState("4", &commits)); err != nil {
		t.Fatal(err)
	}
	got := inOrder(rcv.requests())
	sameRequests(t, got,
		"is_full=true request_id=1 is_first=true [e0 e1]",
		"is_full=true request_id=2 previous_request_id=1 [e2]",
		"is_full=true request_id=3 previous_request_id=2 [e3]",
		"is_full=true request_id=4 previous_request_id=3 is_last=true []")
	for _, p := range got[1:] {
		if p.query["sequence_id"] != got[0].query["sequence_id"] {
			t.Fatal("one sequence_id for the full sync")
		}
	}
	if _, ok, _ := st.Value(s.seqKey()); ok || commits != 3 {
		t.Fatalf("after the sync: sequence kept %v, %d commits", ok, commits)
	}

	// A full run with no entities is one request that is first and last:
	// the receiver deletes everything.
	n, _ = s.BeginFullRun(t.Context())
	if _, err := s.EndFullRun(t.Context(), n, commitState("", &commits)); err != nil {
		t.Fatal(err)
	}
	sameRequests(t, rcv.requests()[4:], "is_full=true request_id=1 is_first=true is_last=true []")
	if n != 2 {
		t.Fatalf("full runs are numbered: %d", n)
	}
}

// TestJSONSinkResumesItsSequence: a full run that resumes after sluice
// stopped goes on with the sequence the store kept.
func TestJSONSinkResumesItsSequence(t *testing.T) {
	rcv := &pushReceiver{}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	st := testkit.OpenStore(t)
	cfg := subst(`{"url": "$URL/in", "batch_size": 10}`, srv.URL)
	first := mustSink(t, sinkEnv(t, nil, st), cfg)
	n, _ := first.BeginFullRun(t.Context())
	var commits int
	if _, err := first.WriteWith(t.Context(), ents(0, 2, ""), component.Progress{FullRun: n, Commit: commitState("2", &commits)}); err != nil {
		t.Fatal(err)
	}
	if stats, err := first.Flush(t.Context()); err != nil || stats.Written != 2 {
		t.Fatalf("flush: %+v %v", stats, err)
	}
	again := mustSink(t, sinkEnv(t, nil, st), cfg) // a new process
	if _, err := again.WriteWith(t.Context(), ents(2, 4, ""), component.Progress{FullRun: n, Commit: commitState("4", &commits)}); err != nil {
		t.Fatal(err)
	}
	if _, err := again.EndFullRun(t.Context(), n, commitState("4", &commits)); err != nil {
		t.Fatal(err)
	}
	got := rcv.requests()
	sameRequests(t, got,
		"is_full=true request_id=1 is_first=true [e0 e1]",
		"is_full=true request_id=2 previous_request_id=1 [e2 e3]",
		"is_full=true request_id=3 previous_request_id=2 is_last=true []")
	if got[2].query["sequence_id"] != got[0].query["sequence_id"] {
		t.Fatal("the resumed run changed the sequence_id")
	}
}

// TestJSONSinkConflictStartsOver: a 409 fails the run, forgets the
// sequence and resets the pipe, so its next run is a new full sync.
func TestJSONSinkConflictStartsOver(t *testing.T) {
	rcv := &pushReceiver{answer: func(n int, p pushed) (int, string) {
		if p.query["request_id"] == "2" {
			return 409, `no full sync with sequence_id "x" is under way`
		}
		return 0, ""
	}}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	st := testkit.OpenStore(t)
	s := mustSink(t, sinkEnv(t, nil, st), subst(`{"url": "$URL/in"}`, srv.URL))
	n, _ := s.BeginFullRun(t.Context())
	var commits int
	if _, err := s.WriteWith(t.Context(), ents(0, 1, ""), component.Progress{FullRun: n, Commit: func(tx *store.Tx) error {
		commits++
		return tx.PutPipeState("p", store.PipeState{LastSeen: "1", FullRun: n, Disabled: false, LastRun: json.RawMessage(`{"x": 1}`)})
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WriteWith(t.Context(), ents(1, 2, ""), component.Progress{FullRun: n, Commit: commitState("2", &commits)}); err != nil {
		t.Fatal(err) // it reports the batch before, which went through
	}
	_, err := s.Flush(t.Context())
	if err == nil || !strings.Contains(err.Error(), "409 Conflict") || !strings.Contains(err.Error(), "is under way") || !strings.Contains(err.Error(), "sends everything again") {
		t.Fatalf("want a conflict, got %v", err)
	}
	ps, _ := st.PipeState("p")
	if ps.LastSeen != "" || ps.FullRun != 0 || string(ps.LastRun) != `{"x":1}` || commits != 1 {
		t.Fatalf("the pipe starts over (keeping its record): %+v, %d commits", ps, commits)
	}
	if _, ok, _ := st.Value(s.seqKey()); ok {
		t.Fatal("the sequence is forgotten")
	}
	// A full run the sink knows nothing of cannot go on either.
	if _, err := s.WriteWith(t.Context(), ents(0, 1, ""), component.Progress{FullRun: 7}); err == nil || !strings.Contains(err.Error(), "full run 7 has no sequence") {
		t.Fatalf("unknown full run: %v", err)
	}
}

func TestJSONSinkAnswers(t *testing.T) {
	defer func(d time.Duration) { firstBackoff = d }(firstBackoff)
	firstBackoff = time.Millisecond
	rcv := &pushReceiver{answer: func(n int, p pushed) (int, string) {
		switch {
		case n == 1:
			return 503, "busy"
		case p.ids[0] == "big":
			return 413, "too large"
		case p.ids[0] == "bad":
			return 400, "item 0: no _id"
		}
		return 0, ""
	}}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	st := testkit.OpenStore(t)
	s := mustSink(t, sinkEnv(t, nil, st), subst(`{"url": "$URL/in", "batch_size": 7}`, srv.URL))
	n, _ := s.BeginFullRun(t.Context())
	if _, err := s.WriteWith(t.Context(), ents(0, 1, ""), component.Progress{FullRun: n}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := rcv.requests()
	if len(got) != 2 || got[0].String() != got[1].String() || got[0].query["sequence_id"] != got[1].query["sequence_id"] {
		t.Fatalf("a 503 is retried as the same request: %v", got)
	}
	_, err := s.Write(t.Context(), []entity.Entity{entity.Entity(`{"_id": "big"}`)})
	if err == nil || !strings.Contains(err.Error(), "413") || !strings.Contains(err.Error(), "lower the sink's batch_size, now 7") {
		t.Errorf("413: %v", err)
	}
	_, err = s.Write(t.Context(), []entity.Entity{entity.Entity(`{"_id": "bad"}`)})
	if err == nil || !strings.Contains(err.Error(), "400 Bad Request: item 0: no _id") || !strings.Contains(err.Error(), srv.URL+"/in?") {
		t.Errorf("400: %v", err)
	}
	if len(rcv.requests()) != 4 {
		t.Errorf("4xx answers are not retried: %d requests", len(rcv.requests()))
	}
}

func TestJSONSinkDryRun(t *testing.T) {
	rcv := &pushReceiver{}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	s := mustSink(t, sinkEnv(t, nil, testkit.OpenStore(t)), subst(`{"url": "$URL/in", "batch_size": 2}`, srv.URL))
	var shown []string
	ctx := component.WithDryRun(t.Context(), func(l string) { shown = append(shown, l) })
	if _, err := s.Write(ctx, ents(0, 3, "")); err != nil {
		t.Fatal(err)
	}
	if len(rcv.requests()) != 0 || len(shown) != 2 || shown[0] != "POST "+srv.URL+"/in (2 entities)" || shown[1] != "POST "+srv.URL+"/in (1 entity)" {
		t.Fatalf("a dry run shows and sends nothing: %q, %d requests", shown, len(rcv.requests()))
	}
}

func TestJSONSinkConfig(t *testing.T) {
	st := testkit.OpenStore(t)
	for _, c := range []struct{ js, want string }{
		{`{"url": "http://h/x", "batch_size": 0}`, "batch_size must be 1 or more"},
		{`{"system": "api"}`, `missing required property "url"`},
		{`{"url": "x"}`, `not an absolute http:// or https:// URL`},
		{`{"system": "nope", "url": "x"}`, `system "nope" is not defined`},
	} {
		if _, err := buildSink(t, sinkEnv(t, nil, st), c.js); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: want %q, got %v", c.js, c.want, err)
		}
	}
	if _, err := buildSink(t, component.Env{}, `{"url": "http://h/x"}`); err == nil || !strings.Contains(err.Error(), "needs a store") {
		t.Errorf("no store: %v", err)
	}
}

// TestJSONSinkPipelinesAFullSync: a full sync's next batch goes while the
// one before is still answered; a receiver that takes a sequence in order
// only refuses the one that overtook, and the sink sends it again after.
func TestJSONSinkPipelinesAFullSync(t *testing.T) {
	var mu sync.Mutex
	last, overtaken := "", 0
	var accepted []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		io.Copy(io.Discard, r.Body)
		if q.Get("request_id") == "1" {
			time.Sleep(100 * time.Millisecond) // slow to check: the next request overtakes it
		}
		mu.Lock()
		defer mu.Unlock()
		if q.Get("is_first") != "true" && q.Get("previous_request_id") != last {
			overtaken++
			http.Error(w, "previous_request_id does not match", http.StatusConflict)
			return
		}
		last = q.Get("request_id")
		accepted = append(accepted, last)
		fmt.Fprint(w, "{}")
	}))
	defer srv.Close()
	st := testkit.OpenStore(t)
	s := mustSink(t, sinkEnv(t, nil, st), subst(`{"url": "$URL/in", "batch_size": 2}`, srv.URL))
	n, _ := s.BeginFullRun(t.Context())
	var commits int
	total := 0
	for i := range 3 {
		stats, err := s.WriteWith(t.Context(), ents(2*i, 2*i+2, ""), component.Progress{FullRun: n, Commit: commitState(fmt.Sprint(2*i+2), &commits)})
		if err != nil {
			t.Fatal(err)
		}
		total += stats.Written
	}
	stats, err := s.Flush(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	total += stats.Written
	if _, err := s.EndFullRun(t.Context(), n, commitState("6", &commits)); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(accepted) != "[1 2 3 4]" || overtaken == 0 || total != 6 || commits != 4 {
		t.Fatalf("accepted %v, %d overtaken, %d written, %d commits", accepted, overtaken, total, commits)
	}
}
