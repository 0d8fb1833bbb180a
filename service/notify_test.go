package service

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/sluice-sync/sluice/builtin"
	"github.com/sluice-sync/sluice/notify"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
)

// hook is a loopback receiver of notifications. Each request is passed
// on through got; block makes it hang until the test ends.
type hook struct {
	*httptest.Server
	got chan hookRequest
}

type hookRequest struct {
	header http.Header
	body   []byte
}

func newHook(t *testing.T, status int, block chan struct{}) *hook {
	t.Helper()
	h := &hook{got: make(chan hookRequest, 20)}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.got <- hookRequest{header: r.Header.Clone(), body: body}
		if block != nil {
			select {
			case <-block:
			case <-r.Context().Done():
			}
		}
		w.WriteHeader(status)
		io.WriteString(w, "thanks")
	}))
	t.Cleanup(h.Close)
	return h
}

// next waits for the next notification.
func (h *hook) next(t *testing.T) hookRequest {
	t.Helper()
	select {
	case r := <-h.got:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no notification arrived within 10 s")
	}
	return hookRequest{}
}

// startNotifying is startService with the service's logs discarded.
func startNotifying(t *testing.T, files map[string]string) (*Service, *httptest.Server, string) {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	reg := builtin.Registry()
	load := func() (*pipes.Config, error) { return pipes.Load(dir, pipes.Options{Types: reg}) }
	svc, err := New(Options{Load: load, Store: st, Registry: reg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc.Handler())
	t.Cleanup(func() {
		srv.Close()
		svc.Stop()
		st.Close()
	})
	return svc, srv, dir
}

const notifyPipes = `[
 {"_id": "src", "type": "pipe", "pump": {"mode": "manual"},
  "source": {"type": "embedded", "entities": [{"_id": "a", "n": 1}, {"_id": "b", "n": 2}]}},
 {"_id": "broken", "type": "pipe", "pump": {"mode": "manual"},
  "source": {"type": "embedded", "entities": [{"_id": "a"}]},
  "transform": {"type": "dtl", "rules": {"default": [["add", "_id", 1]]}}}
]`

const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func destinations(url string) string {
	return fmt.Sprintf(`[
 {"_id": "ops", "type": "destination", "url": %q, "secret": %q, "retry": {"max_attempts": 2, "initial_delay": 0.01, "timeout": 5}},
 {"_id": "everything", "type": "subscription", "events": ["*"], "destinations": ["ops"]}
]`, url, testSecret)
}

func TestNotificationsFromRuns(t *testing.T) {
	h := newHook(t, 200, nil)
	_, srv, _ := startNotifying(t, map[string]string{"p.json": notifyPipes, "n.json": destinations(h.URL + "/in")})

	if code, body := call(t, "POST", srv.URL+"/api/pipes/src/pump", "operation=start&wait=true"); code != 200 {
		t.Fatalf("start: %d %s", code, body)
	}
	r := h.next(t)
	wh, _ := standardwebhooks.NewWebhook(testSecret)
	if err := wh.Verify(r.body, r.header); err != nil {
		t.Fatalf("signature: %v", err)
	}
	var p notify.Payload
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatal(err)
	}
	if p.Type != "pipe.completed" || p.Data.Pipe != "src" || p.Data.Status != "completed" || !p.Data.Full ||
		p.Data.Counts != (notify.Counts{Read: 2, Written: 2}) || string(p.Data.Offsets.Start) != "null" || p.Data.Started == "" || p.Data.Ended < p.Data.Started {
		t.Fatalf("payload: %s", r.body)
	}

	if code, body := call(t, "POST", srv.URL+"/api/pipes/broken/pump", "operation=start&wait=true"); code != 200 || !strings.Contains(body, `"failed"`) {
		t.Fatalf("start broken: %d %s", code, body)
	}
	r = h.next(t)
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatal(err)
	}
	if p.Type != "pipe.failed" || p.Data.Pipe != "broken" || !strings.Contains(p.Data.Error, "without a string _id") {
		t.Fatalf("payload: %s", r.body)
	}
}

// TestSlowReceiverDoesNotBlockRuns: a receiver that never answers holds
// up no run.
func TestSlowReceiverDoesNotBlockRuns(t *testing.T) {
	block := make(chan struct{})
	h := newHook(t, 200, block)
	_, srv, _ := startNotifying(t, map[string]string{"p.json": notifyPipes, "n.json": destinations(h.URL)})
	t.Cleanup(func() { close(block) }) // runs first: cleanups run last in, first out
	start := time.Now()
	for range 3 {
		if code, body := call(t, "POST", srv.URL+"/api/pipes/src/pump", "operation=start&wait=true"); code != 200 {
			t.Fatalf("start: %d %s", code, body)
		}
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("three runs took %s with a hanging receiver", d)
	}
	h.next(t) // the first is under way; the others wait their turn
}

func TestDestinationsAPI(t *testing.T) {
	ok, failing := newHook(t, 200, nil), newHook(t, 500, nil)
	_, srv, dir := startNotifying(t, map[string]string{"p.json": notifyPipes, "n.json": fmt.Sprintf(`[
 {"_id": "ops", "type": "destination", "url": %q, "secret": %q},
 {"_id": "down", "type": "destination", "url": %q},
 {"_id": "fail", "type": "subscription", "events": ["pipe.failed"], "pipes": ["src"], "destinations": ["down", "ops"]}
]`, ok.URL+"/in?key=abc", testSecret, failing.URL)})

	code, body := call(t, "GET", srv.URL+"/api/destinations", "")
	var infos []notify.DestinationInfo
	if code != 200 || json.Unmarshal([]byte(body), &infos) != nil || len(infos) != 2 {
		t.Fatalf("list: %d %s", code, body)
	}
	if infos[0].ID != "down" || infos[1].URL != ok.URL+"/in?key=***" /* a key in a URL is a credential */ || infos[1].Secret != "configured" ||
		len(infos[1].Routes) != 1 || infos[1].Routes[0].Subscription != "fail" || strings.Join(infos[1].Events, ",") != "pipe.failed" {
		t.Fatalf("list: %s", body)
	}
	if strings.Contains(body, "whsec_") {
		t.Fatalf("the list shows a secret: %s", body)
	}

	code, body = call(t, "POST", srv.URL+"/api/destinations/ops/test", "")
	var res notify.Result
	if code != 200 || json.Unmarshal([]byte(body), &res) != nil || !res.Delivered || res.Status != 200 || res.Response != "thanks" || !strings.HasPrefix(res.WebhookID, "evt_") {
		t.Fatalf("test ops: %d %s", code, body)
	}
	r := ok.next(t)
	if !strings.Contains(string(r.body), `"test":true`) || !strings.Contains(string(r.body), `"pipe":"src"`) || r.header.Get("webhook-id") != res.WebhookID {
		t.Fatalf("test payload: %s", r.body)
	}
	code, body = call(t, "POST", srv.URL+"/api/destinations/down/test", "")
	if code != 502 || json.Unmarshal([]byte(body), &res) != nil || res.Delivered || res.Status != 500 || !strings.Contains(res.Error, "500") {
		t.Fatalf("test down: %d %s", code, body)
	}
	if code, body := call(t, "POST", srv.URL+"/api/destinations/nope/test", ""); code != 404 || !strings.Contains(body, "no destination") {
		t.Fatalf("test nope: %d %s", code, body)
	}
	if code, body := call(t, "GET", srv.URL+"/api/datasets/system:notification_log/entities", ""); code != 200 || strings.Count(body, `"test":true`) != 2 {
		t.Fatalf("delivery log: %d %s", code, body)
	}

	// A reload brings a new destination; the next list shows it.
	os.WriteFile(filepath.Join(dir, "more.json"), []byte(`{"_id": "more", "type": "destination", "url": "https://more.example.com/"}`), 0o644)
	if code, body := call(t, "POST", srv.URL+"/api/config/reload", ""); code != 200 {
		t.Fatalf("reload: %d %s", code, body)
	}
	if code, body := call(t, "GET", srv.URL+"/api/destinations", ""); code != 200 || !strings.Contains(body, `"_id":"more"`) || !strings.Contains(body, `"secret":"generated"`) {
		t.Fatalf("list after reload: %d %s", code, body)
	}
}

// TestReloadRoutesToNewURL: after a reload, notifications follow the new
// config.
func TestReloadRoutesToNewURL(t *testing.T) {
	first, second := newHook(t, 200, nil), newHook(t, 200, nil)
	_, srv, dir := startNotifying(t, map[string]string{"p.json": notifyPipes, "n.json": destinations(first.URL)})
	call(t, "POST", srv.URL+"/api/pipes/src/pump", "operation=start&wait=true")
	first.next(t)
	os.WriteFile(filepath.Join(dir, "n.json"), []byte(destinations(second.URL)), 0o644)
	if code, body := call(t, "POST", srv.URL+"/api/config/reload", ""); code != 200 {
		t.Fatalf("reload: %d %s", code, body)
	}
	call(t, "POST", srv.URL+"/api/pipes/src/pump", "operation=start&wait=true")
	second.next(t)
	select {
	case <-first.got:
		t.Fatal("the old URL still gets notifications")
	case <-time.After(100 * time.Millisecond):
	}
}
