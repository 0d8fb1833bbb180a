package service

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/notify"
)

// newHook is a receiver of notifications answering status and "thanks";
// with block it holds every answer until block is closed.
func newHook(t *testing.T, status int, block chan struct{}) *testkit.Receiver {
	t.Helper()
	return testkit.NewReceiver(t, testkit.ReceiverOptions{Reply: testkit.Reply{Status: status, Body: "thanks", Hold: block}})
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
	_, srv, _ := startService(t, "", map[string]string{"p.json": notifyPipes, "n.json": destinations(h.URL + "/in")})

	if code, body := call(t, "POST", srv.URL+"/api/pipes/src/pump", "operation=start&wait=true"); code != 200 {
		t.Fatalf("start: %d %s", code, body)
	}
	r := h.Next(t, 10*time.Second)
	if err := testkit.Verify(testSecret, r.Body, r.Header); err != nil {
		t.Fatalf("signature: %v", err)
	}
	var p notify.Payload
	if err := json.Unmarshal([]byte(r.Body), &p); err != nil {
		t.Fatal(err)
	}
	if p.Type != "pipe.completed" || p.Data.Pipe != "src" || p.Data.Status != "completed" || !p.Data.Full ||
		p.Data.Counts != (notify.Counts{Read: 2, Written: 2}) || string(p.Data.Offsets.Start) != "null" || p.Data.Started == "" || p.Data.Ended < p.Data.Started {
		t.Fatalf("payload: %s", r.Body)
	}

	if code, body := call(t, "POST", srv.URL+"/api/pipes/broken/pump", "operation=start&wait=true"); code != 200 || !strings.Contains(body, `"failed"`) {
		t.Fatalf("start broken: %d %s", code, body)
	}
	r = h.Next(t, 10*time.Second)
	if err := json.Unmarshal([]byte(r.Body), &p); err != nil {
		t.Fatal(err)
	}
	if p.Type != "pipe.failed" || p.Data.Pipe != "broken" || !strings.Contains(p.Data.Error, "without a string _id") {
		t.Fatalf("payload: %s", r.Body)
	}
}

// TestSlowReceiverDoesNotBlockRuns: a receiver that never answers holds
// up no run.
func TestSlowReceiverDoesNotBlockRuns(t *testing.T) {
	block := make(chan struct{})
	h := newHook(t, 200, block)
	_, srv, _ := startService(t, "", map[string]string{"p.json": notifyPipes, "n.json": destinations(h.URL)})
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
	h.Next(t, 10*time.Second) // the first is under way; the others wait their turn
}

func TestDestinationsAPI(t *testing.T) {
	ok, failing := newHook(t, 200, nil), newHook(t, 500, nil)
	_, srv, dir := startService(t, "", map[string]string{"p.json": notifyPipes, "n.json": fmt.Sprintf(`[
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
	r := ok.Next(t, 10*time.Second)
	if !strings.Contains(r.Body, `"test":true`) || !strings.Contains(r.Body, `"pipe":"src"`) || r.Header.Get("webhook-id") != res.WebhookID {
		t.Fatalf("test payload: %s", r.Body)
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
	_, srv, dir := startService(t, "", map[string]string{"p.json": notifyPipes, "n.json": destinations(first.URL)})
	call(t, "POST", srv.URL+"/api/pipes/src/pump", "operation=start&wait=true")
	first.Next(t, 10*time.Second)
	os.WriteFile(filepath.Join(dir, "n.json"), []byte(destinations(second.URL)), 0o644)
	if code, body := call(t, "POST", srv.URL+"/api/config/reload", ""); code != 200 {
		t.Fatalf("reload: %d %s", code, body)
	}
	call(t, "POST", srv.URL+"/api/pipes/src/pump", "operation=start&wait=true")
	second.Next(t, 10*time.Second)
	if _, ok := first.Await(100 * time.Millisecond); ok {
		t.Fatal("the old URL still gets notifications")
	}
}
