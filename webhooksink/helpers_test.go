package webhooksink_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/sluice-sync/sluice/builtin"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
)

// testSecret is a Standard Webhooks secret for the tests.
const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// got is one request as the receiver saw it.
type got struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   string
}

// receiver is a loopback endpoint that verifies every request with the
// Standard Webhooks reference library (an independent implementation) and
// records what it accepted. answer, when set, chooses the response.
type receiver struct {
	*httptest.Server
	t        *testing.T
	mu       sync.Mutex
	reqs     []got
	rejected int
	answer   func(n int, w http.ResponseWriter, r *http.Request) bool // true: answered
}

func newReceiver(t *testing.T, secrets ...string) *receiver {
	t.Helper()
	if len(secrets) == 0 {
		secrets = []string{testSecret}
	}
	var whs []*standardwebhooks.Webhook
	for _, s := range secrets {
		wh, err := standardwebhooks.NewWebhook(s)
		if err != nil {
			t.Fatal(err)
		}
		whs = append(whs, wh)
	}
	rc := &receiver{t: t}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		for _, wh := range whs {
			if err := wh.Verify(b, r.Header); err != nil {
				rc.mu.Lock()
				rc.rejected++
				rc.mu.Unlock()
				t.Errorf("signature rejected by the standard-webhooks library: %v", err)
				http.Error(w, "bad signature", http.StatusUnauthorized)
				return
			}
		}
		r.Body = io.NopCloser(bytes.NewReader(b)) // answer may read it too
		rc.mu.Lock()
		n := len(rc.reqs)
		rc.mu.Unlock()
		if rc.answer != nil && rc.answer(n, w, r) {
			return
		}
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, got{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: string(b)})
		rc.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) requests() []got {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]got(nil), rc.reqs...)
}

// records decodes every record the receiver accepted, in order.
func (rc *receiver) records(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, g := range rc.requests() {
		var recs []map[string]any
		if strings.HasPrefix(g.Body, "[") {
			if err := json.Unmarshal([]byte(g.Body), &recs); err != nil {
				t.Fatal(err)
			}
		} else {
			var one map[string]any
			if err := json.Unmarshal([]byte(g.Body), &one); err != nil {
				t.Fatal(err)
			}
			recs = []map[string]any{one}
		}
		out = append(out, recs...)
	}
	return out
}

// opsByID lists "op:id" for each record the receiver accepted, in order.
func (rc *receiver) ops(t *testing.T) []string {
	var out []string
	for _, r := range rc.records(t) {
		p := r["payload"].(map[string]any)
		meta, _ := p["_meta"].(map[string]any)
		out = append(out, meta["sync_op"].(string)+":"+p["_id"].(string))
	}
	return out
}

// harness is a config folder, a store and an engine built from them.
type harness struct {
	t   *testing.T
	dir string
	st  *store.Store
	eng *engine.Engine
}

func newHarness(t *testing.T, config string) *harness {
	t.Helper()
	h := &harness{t: t, dir: t.TempDir()}
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h.st = st
	h.load(config)
	return h
}

// load (re)builds the engine from a config text.
func (h *harness) load(config string) {
	h.t.Helper()
	if err := os.WriteFile(filepath.Join(h.dir, "p.json"), []byte(config), 0o644); err != nil {
		h.t.Fatal(err)
	}
	reg := builtin.Registry()
	cfg, err := pipes.Load(h.dir, pipes.Options{Types: reg})
	if err != nil {
		h.t.Fatal(err)
	}
	eng, err := engine.New(context.Background(), cfg, h.st, reg, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	h.eng = eng
}

// put writes entities to a dataset.
func (h *harness) put(ds string, docs ...string) {
	h.t.Helper()
	es := make([]entity.Entity, len(docs))
	for i, d := range docs {
		es[i] = entity.Entity(d)
	}
	if _, err := h.st.Write(ds, es, store.WriteOptions{}); err != nil {
		h.t.Fatal(err)
	}
}

// run runs a pipe and fails the test when it fails.
func (h *harness) run(pipe string, opts engine.RunOptions) engine.Summary {
	h.t.Helper()
	sum, err := h.eng.Run(context.Background(), pipe, opts)
	if err != nil {
		h.t.Fatalf("run %s: %v", pipe, err)
	}
	return sum
}

// sinkPipe is a pipe from dataset "src" to a webhook sink with the given
// extra sink settings.
func sinkPipe(url, extra string) string {
	if extra != "" {
		extra = ", " + extra
	}
	return `{"_id": "out", "type": "pipe", "source": {"type": "dataset", "dataset": "src"},
	  "sink": {"type": "webhook", "url": "` + url + `", "secret": "` + testSecret + `",
	           "retry": {"max_attempts": 5, "initial_delay": 0.01, "max_delay": 0.05, "timeout": 2}` + extra + `}}`
}
