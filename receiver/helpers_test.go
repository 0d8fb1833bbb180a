package receiver

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/builtin"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
)

// testSecrets back $SECRET() in test configs and secret() in templates.
var testSecrets = map[string]string{
	"token":     "tok-3f9a1c77e2",
	"gh_secret": "gh-secret-8d1e",
	"shop":      "shopify-secret-55aa",
	"sw":        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
	"expr":      "expr-secret-0b1c",
}

func lookupSecret(name string) (string, bool) {
	v, ok := testSecrets[name]
	return v, ok
}

// observation is one Observe call.
type observation struct {
	pipe, outcome string
	entities      int
}

// harness is a receiver over a real store and config, behind a real
// HTTP server routed as the service routes it.
type harness struct {
	t     *testing.T
	srv   *httptest.Server
	eng   *engine.Engine
	st    *store.Store
	rc    *Receiver
	mu    sync.Mutex
	seen  []observation
	cfg   *pipes.Config
	clock time.Time // when set, the receiver's clock

	dataDir string
	opts    harnessOptions
}

// newHarness loads config (the text of one pipes.json file) and serves it.
func newHarness(t *testing.T, config string) *harness {
	t.Helper()
	return newHarnessWith(t, config, harnessOptions{})
}

// harnessOptions tune newHarnessWith.
type harnessOptions struct {
	store    store.Options // Logger is set
	receiver Options       // Engine, Logger, Secrets and Observe are set
}

// newHarnessWith is newHarness over a data folder that restart opens again.
func newHarnessWith(t *testing.T, config string, o harnessOptions) *harness {
	t.Helper()
	dir := testkit.ConfigDir(t, map[string]string{"pipes.json": config})
	reg := builtin.Registry()
	cfg, err := pipes.Load(dir, pipes.Options{Types: reg, Env: func(string) (string, bool) { return "", false }, Secrets: lookupSecret})
	if err != nil {
		t.Fatalf("load config: %v", err)
	}
	h := &harness{t: t, cfg: cfg, dataDir: t.TempDir(), opts: o}
	h.open()
	t.Cleanup(func() { h.st.Close() })
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/receivers/{pipe}/entities", func(w http.ResponseWriter, r *http.Request) { h.receiver().ServeReceive(w, r) })
	mux.HandleFunc("GET /api/publishers/{pipe}/entities", func(w http.ResponseWriter, r *http.Request) { h.receiver().ServePublish(w, r) })
	mux.HandleFunc("GET /api/publishers/{pipe}/csv", func(w http.ResponseWriter, r *http.Request) { h.receiver().ServePublishCSV(w, r) })
	mux.HandleFunc("GET /api/publishers/{pipe}/csv/{filename}", func(w http.ResponseWriter, r *http.Request) { h.receiver().ServePublishCSV(w, r) })
	h.srv = httptest.NewServer(mux)
	t.Cleanup(h.srv.Close)
	return h
}

// open opens the data folder and builds the engine and a new receiver.
func (h *harness) open() {
	t := h.t
	so := h.opts.store
	so.Logger = slog.New(slog.DiscardHandler)
	st, err := store.Open(h.dataDir, so)
	if err != nil {
		t.Fatal(err)
	}
	reg := builtin.Registry()
	eng, err := engine.New(context.Background(), h.cfg, st, reg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ro := h.opts.receiver
	ro.Engine = func() *engine.Engine { return h.eng } // tests swap it
	ro.Logger = slog.New(slog.DiscardHandler)
	ro.Secrets = lookupSecret
	ro.Observe = func(pipe, outcome string, entities int, _ time.Duration) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.seen = append(h.seen, observation{pipe, outcome, entities})
	}
	rc := New(ro)
	rc.now = func() time.Time {
		if !h.clock.IsZero() {
			return h.clock
		}
		return time.Now()
	}
	h.mu.Lock()
	h.st, h.eng, h.rc = st, eng, rc
	h.mu.Unlock()
}

// restart closes the data folder and opens it again with a new engine and
// receiver, as a restarted service would: nothing kept in memory survives.
func (h *harness) restart() {
	h.t.Helper()
	if err := h.st.Close(); err != nil {
		h.t.Fatal(err)
	}
	h.open()
}

func (h *harness) receiver() *Receiver {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rc
}

// response is what a request got back.
type response struct {
	status int
	header http.Header
	body   string
}

// errorMsg is the "error" of a JSON error body; it fails the test when
// the body is not {"error": ..., "status": <the status>}.
func (r response) errorMsg(t *testing.T) string {
	t.Helper()
	var e struct {
		Error  string `json:"error"`
		Status int    `json:"status"`
	}
	if err := json.Unmarshal([]byte(r.body), &e); err != nil || e.Error == "" || e.Status != r.status {
		t.Fatalf("error body %q is not {\"error\": ..., \"status\": %d}", r.body, r.status)
	}
	return e.Error
}

// post sends body to a pipe's receiver; header is name/value pairs.
func (h *harness) post(pipe, query, contentType, body string, header ...string) response {
	h.t.Helper()
	u := h.srv.URL + "/api/receivers/" + pipe + "/entities"
	if query != "" {
		u += "?" + query
	}
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	return h.do(req)
}

func (h *harness) get(path string) response {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodGet, h.srv.URL+path, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.do(req)
}

func (h *harness) do(req *http.Request) response {
	h.t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

// entities reads a dataset's versions (history included) as maps; a
// dataset that does not exist has none.
func (h *harness) entities(dataset string) []map[string]any {
	h.t.Helper()
	if _, ok := h.st.Dataset(dataset); !ok {
		return nil
	}
	var out []map[string]any
	err := h.st.Scan(dataset, store.ReadOptions{History: true}, func(_ uint64, e []byte) error {
		var m map[string]any
		if err := json.Unmarshal(e, &m); err != nil {
			return err
		}
		out = append(out, m)
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}

// versions counts a dataset's versions.
func (h *harness) versions(dataset string) uint64 {
	info, _ := h.st.Dataset(dataset)
	return info.Versions
}

// latest maps _id to the latest version in a dataset.
func (h *harness) latest(dataset string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, e := range h.entities(dataset) {
		out[e["_id"].(string)] = e
	}
	return out
}

func (h *harness) outcomes() []observation {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]observation(nil), h.seen...)
}

func (h *harness) lastOutcome() observation {
	o := h.outcomes()
	if len(o) == 0 {
		h.t.Fatal("nothing observed")
	}
	return o[len(o)-1]
}

// expect checks a response's status, and for errors that the body is the
// JSON error shape and holds want (when given).
func expect(t *testing.T, r response, status int, want ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if status == http.StatusOK {
		return
	}
	msg := r.errorMsg(t)
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not mention %q", msg, w)
		}
	}
}
