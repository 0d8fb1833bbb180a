package urlsys_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sluice-sync/sluice/builtin"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/receiver"
	"github.com/sluice-sync/sluice/store"
)

// node is one sluice in the test's process: a store, an engine over a
// config, and (when served) its receivers and publishers over HTTP.
type node struct {
	t   testing.TB
	st  *store.Store
	eng *engine.Engine
	url string
	rc  atomic.Pointer[receiver.Receiver]
}

// newNode opens a store; load gives it a config.
func newNode(t testing.TB) *node {
	return &node{t: t, st: testkit.OpenStore(t)}
}

// load builds an engine over a config (closing the one before); $B in
// the config is replaced by other's URL.
func (n *node) load(config string, other *node) {
	n.t.Helper()
	if other != nil {
		config = strings.ReplaceAll(config, "$B", other.url)
	}
	reg := builtin.Registry()
	cfg, err := pipes.Load(testkit.ConfigDir(n.t, map[string]string{"pipes.json": config}), pipes.Options{Types: reg})
	if err != nil {
		n.t.Fatalf("config: %v\n%s", err, config)
	}
	eng, err := engine.New(context.Background(), cfg, n.st, reg, slog.New(slog.DiscardHandler))
	if err != nil {
		n.t.Fatal(err)
	}
	if n.eng != nil {
		n.eng.Close(context.Background())
	}
	n.eng = eng
	n.t.Cleanup(func() { eng.Close(context.Background()) })
}

// serve mounts the receivers and publishers, as `sluice run` does.
func (n *node) serve() {
	n.restartReceiver()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/receivers/{pipe}/entities", func(w http.ResponseWriter, r *http.Request) { n.rc.Load().ServeReceive(w, r) })
	mux.HandleFunc("GET /api/publishers/{pipe}/entities", func(w http.ResponseWriter, r *http.Request) { n.rc.Load().ServePublish(w, r) })
	srv := httptest.NewServer(mux)
	n.t.Cleanup(srv.Close)
	n.url = srv.URL
}

// restartReceiver replaces the receiver, which forgets its full-sync
// sequences, as a restarted service does.
func (n *node) restartReceiver() {
	n.rc.Store(receiver.New(receiver.Options{Engine: func() *engine.Engine { return n.eng }, Logger: slog.New(slog.DiscardHandler)}))
}

func (n *node) run(pipe string, full bool) engine.Summary {
	n.t.Helper()
	sum, err := n.eng.Run(context.Background(), pipe, engine.RunOptions{Full: full})
	if err != nil {
		n.t.Fatalf("run %s: %v", pipe, err)
	}
	return sum
}

// latest is a dataset's latest versions: _id → "live"/"deleted" and name.
func (n *node) latest(ds string) string {
	n.t.Helper()
	var out []string
	err := n.st.Scan(ds, store.ReadOptions{}, func(_ uint64, e []byte) error {
		var m map[string]any
		if err := json.Unmarshal(e, &m); err != nil {
			return err
		}
		state := "live"
		if m["_deleted"] == true {
			state = "deleted"
		}
		out = append(out, fmt.Sprintf("%s:%s:%v", m["_id"], state, m["name"]))
		return nil
	})
	if err != nil {
		n.t.Fatal(err)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

const receiverB = `[
  {"_id": "inbox", "type": "pipe", "source": {"type": "http_endpoint"}},
  {"_id": "pub", "type": "pipe", "pump": {"mode": "manual"}, "source": {"type": "dataset", "dataset": "inbox"}, "sink": {"type": "http_endpoint"}}
]`

// senderA pushes the dataset "people" to B's receiver; %s is the
// entities of its feed.
const senderA = `[
  {"_id": "b", "type": "system:url", "url_pattern": "$B/api/%%s"},
  {"_id": "people", "type": "pipe", "source": {"type": "embedded", "entities": %s}},
  {"_id": "push", "type": "pipe", "source": {"type": "dataset", "dataset": "people"},
   "sink": {"type": "json", "system": "b", "url": "receivers/inbox/entities", "batch_size": 2}},
  {"_id": "pull", "type": "pipe", "source": {"type": "json", "system": "b", "url": "publishers/pub/entities", "supports_since": true, "is_chronological": true}}
]`

// TestJSONSyncTwoNodes: A's json sink pushes to B's receiver (incremental
// runs, and full syncs with deletions); A's json source pulls B's
// publisher back.
func TestJSONSyncTwoNodes(t *testing.T) {
	b := newNode(t)
	b.load(receiverB, nil)
	b.serve()
	a := newNode(t)
	a.load(fmt.Sprintf(senderA, `[{"_id": "x", "name": "X"}, {"_id": "y", "name": "Y"}, {"_id": "z", "name": "Z"}]`), b)

	a.run("people", false)
	if sum := a.run("push", false); !sum.Full || sum.Written != 3 {
		t.Fatalf("the first run is a full sync: %+v", sum)
	}
	if got := b.latest("inbox"); got != "x:live:X y:live:Y z:live:Z" {
		t.Fatalf("B after the first sync: %s", got)
	}

	// y leaves A's feed and x changes: the feed's full run deletes y in
	// "people", and the incremental push carries both.
	a.load(fmt.Sprintf(senderA, `[{"_id": "x", "name": "X2"}, {"_id": "z", "name": "Z"}]`), b)
	a.run("people", false)
	if sum := a.run("push", false); sum.Full || sum.Written != 2 || sum.Deleted != 1 {
		t.Fatalf("an incremental push: %+v", sum)
	}
	if got := b.latest("inbox"); got != "x:live:X2 y:deleted:Y z:live:Z" {
		t.Fatalf("B after the incremental sync: %s", got)
	}

	// Something B got from elsewhere is deleted by A's next full sync.
	if code := post(t, b.url+"/api/receivers/inbox/entities", `[{"_id": "stray", "name": "S"}]`); code != 200 {
		t.Fatalf("post: %d", code)
	}
	if sum := a.run("push", true); !sum.Full {
		t.Fatalf("--full: %+v", sum)
	}
	if got := b.latest("inbox"); got != "stray:deleted:S x:live:X2 y:deleted:Y z:live:Z" {
		t.Fatalf("B after the full sync: %s", got)
	}

	// Back again through B's publisher.
	b.run("pub", false)
	if sum := a.run("pull", false); sum.Read != 4 || sum.Written != 4 {
		t.Fatalf("pull: %+v", sum)
	}
	if got := a.latest("pull"); got != "stray:deleted:S x:live:X2 y:deleted:Y z:live:Z" {
		t.Fatalf("A's copy of B: %s", got)
	}
	if sum := a.run("pull", false); sum.Read != 0 {
		t.Fatalf("an incremental pull with nothing new: %+v", sum)
	}
}

// TestJSONSyncReceiverRestart: B forgets the sequence (it restarted) in
// the middle of A's full sync; A's run fails with the 409, and A's next
// run starts the full sync again, which then deletes what it must.
func TestJSONSyncReceiverRestart(t *testing.T) {
	b := newNode(t)
	b.load(receiverB, nil)
	b.serve()
	a := newNode(t)
	a.load(fmt.Sprintf(senderA, `[{"_id": "x"}, {"_id": "y"}, {"_id": "z"}]`), b)
	a.run("people", false)
	a.run("push", false)
	if code := post(t, b.url+"/api/receivers/inbox/entities", `[{"_id": "stray"}]`); code != 200 {
		t.Fatalf("post: %d", code)
	}

	// B restarts once it answered the first request of A's next full sync.
	var firstDone, restarted atomic.Bool
	restart := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("request_id") != "1" && firstDone.Load() && restarted.CompareAndSwap(false, true) {
			b.restartReceiver()
		}
		proxyTo(t, w, r, b.url, func(resp *http.Response) {
			if q.Get("is_first") == "true" && resp.StatusCode == 200 {
				firstDone.Store(true)
			}
		})
	}))
	defer restart.Close()
	a.load(strings.ReplaceAll(fmt.Sprintf(senderA, `[{"_id": "x"}, {"_id": "y"}, {"_id": "z"}]`), "$B", restart.URL), nil)
	sum, err := a.eng.Run(context.Background(), "push", engine.RunOptions{Full: true})
	if err == nil || !strings.Contains(err.Error(), "409 Conflict") {
		t.Fatalf("want the run to fail with a conflict, got %v (%+v)", err, sum)
	}
	if got := b.latest("inbox"); got != "stray:live:<nil> x:live:<nil> y:live:<nil> z:live:<nil>" {
		t.Fatalf("nothing is deleted by a broken sync: %s", got)
	}
	if sum := a.run("push", false); !sum.Full || sum.Written != 3 {
		t.Fatalf("the next run is a full sync again: %+v", sum)
	}
	if got := b.latest("inbox"); got != "stray:deleted:<nil> x:live:<nil> y:live:<nil> z:live:<nil>" {
		t.Fatalf("after the new full sync: %s", got)
	}
}

func post(t *testing.T, u, body string) int {
	t.Helper()
	resp, err := http.Post(u, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// proxyTo forwards a request to base and copies the answer back, after
// showing it to seen.
func proxyTo(t *testing.T, w http.ResponseWriter, r *http.Request, base string, seen func(*http.Response)) {
	req, err := http.NewRequestWithContext(r.Context(), r.Method, base+r.URL.RequestURI(), r.Body)
	if err != nil {
		t.Error(err)
		return
	}
	req.Header = r.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	seen(resp)
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}
