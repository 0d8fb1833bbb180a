package webhooksink_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/builtin"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
)

// testSecret is a Standard Webhooks secret for the tests.
const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// newReceiver is a receiver that checks every request's signature with
// secrets (testSecret when none are given) and answers 204.
func newReceiver(t *testing.T, secrets ...string) *testkit.Receiver {
	t.Helper()
	if len(secrets) == 0 {
		secrets = []string{testSecret}
	}
	return testkit.NewReceiver(t, testkit.ReceiverOptions{Secrets: secrets})
}

// records decodes every record the receiver accepted, in order.
func records(t *testing.T, rc *testkit.Receiver) []map[string]any {
	t.Helper()
	return recordsOf(t, rc.Requests()...)
}

// recordsOf decodes the records of requests, in order.
func recordsOf(t *testing.T, reqs ...testkit.Request) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, g := range reqs {
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

// ops lists "op:id" for each record the receiver accepted, in order.
func ops(t *testing.T, rc *testkit.Receiver) []string {
	t.Helper()
	return opsOf(t, rc.Requests()...)
}

// opsOf lists "op:id" for the records of requests.
func opsOf(t *testing.T, reqs ...testkit.Request) []string {
	t.Helper()
	var out []string
	for _, r := range recordsOf(t, reqs...) {
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
	h := &harness{t: t, dir: t.TempDir(), st: testkit.OpenStore(t)}
	h.load(config)
	return h
}

// load (re)builds the engine from a config text.
func (h *harness) load(config string) {
	h.t.Helper()
	testkit.WriteFile(h.t, filepath.Join(h.dir, "p.json"), config)
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
