package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/notify"
	"github.com/sluice-sync/sluice/store"
)

func TestSendTest(t *testing.T) {
	rcv := newReceiver(t, 200, 500)
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	n := newNotifier(t, fmt.Sprintf(`[%s,
 {"_id": "ops", "type": "destination", "url": %q, "secret": %q, %s},
 {"_id": "crm", "type": "subscription", "events": ["pipe.completed"], "pipes": ["crm-*"], "destinations": ["ops"]}]`, onePipe, rcv.URL, secret, fastRetry), nil)

	res, err := n.SendTest(context.Background(), "ops")
	if err != nil || !res.Delivered || res.Status != 200 || res.Destination != "ops" || !strings.HasPrefix(res.WebhookID, "evt_") ||
		res.Response != `{"answer": "from the receiver"}` || res.URL != rcv.URL || res.Error != "" {
		t.Fatalf("SendTest = %+v, %v", res, err)
	}
	got := rcv.Requests()
	verify(t, secret, got[0])
	var p map[string]any
	if err := json.Unmarshal([]byte(got[0].Body), &p); err != nil {
		t.Fatal(err)
	}
	data, _ := p["data"].(map[string]any)
	if p["type"] != "pipe.completed" || p["test"] != true || data["pipe"] != "crm-people" || data["status"] != "completed" {
		t.Fatalf("sample: %s", got[0].Body)
	}
	// Fully populated: every field of the data is there and not empty.
	for _, k := range []string{"pipe", "status", "full", "counts", "offsets", "started", "ended", "duration_ms"} {
		if v, ok := data[k]; !ok || v == nil || v == "" || v == 0.0 {
			t.Errorf("sample data %q = %v", k, v)
		}
	}
	if offs, _ := data["offsets"].(map[string]any); offs["start"] == nil || offs["end"] == nil {
		t.Errorf("sample offsets: %v", data["offsets"])
	}

	// One attempt only, however many the schedule allows.
	res, err = n.SendTest(context.Background(), "ops")
	if err == nil || res.Delivered || res.Status != 500 || !strings.Contains(err.Error(), "answered 500") {
		t.Fatalf("SendTest to a 500 = %+v, %v", res, err)
	}
	if len(rcv.Requests()) != 2 {
		t.Fatalf("a failed test send was retried: %d requests", len(rcv.Requests()))
	}
	entries := logEntries(t, n.st)
	if len(entries) != 2 || entries[0]["test"] != true || entries[1]["outcome"] != "failed" {
		t.Fatalf("log: %v", entries)
	}

	if _, err := n.SendTest(context.Background(), "nope"); !errors.Is(err, notify.ErrUnknownDestination) {
		t.Fatalf("unknown destination: %v", err)
	}
}

func TestGeneratedSecretIsKept(t *testing.T) {
	rcv := newReceiver(t)
	cfg := loadConfig(t, fmt.Sprintf(`[%s,
 {"_id": "ops:x", "type": "destination", "url": %q},
 {"_id": "all", "type": "subscription", "events": ["*"], "destinations": ["ops:x"]}]`, onePipe, rcv.URL), nil)
	dataDir := t.TempDir()
	st := testkit.OpenStoreAt(t, dataDir)
	logs := &testkit.Buffer{}
	n, err := notify.New(cfg, st, logs.Logger(), notify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`generated a signing secret for destination ops:x: (whsec_[A-Za-z0-9+/=]+); set \\"secret\\"`).FindStringSubmatch(logs.String())
	if m == nil || strings.Count(logs.String(), "whsec_") != 1 {
		t.Fatalf("log: %s", logs)
	}
	secret := m[1]
	n.Publish(completedRun("crm-people"))
	if err := n.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	verify(t, secret, rcv.Requests()[0])
	st.Close()

	// After a restart, a new notifier signs with the same secret and does
	// not show it again.
	st = testkit.OpenStoreAt(t, dataDir)
	defer st.Close()
	logs2 := &testkit.Buffer{}
	n2, err := notify.New(cfg, st, logs2.Logger(), notify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs2.String(), "whsec_") {
		t.Fatalf("the secret was shown again: %s", logs2)
	}
	n2.Publish(completedRun("crm-people"))
	if err := n2.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	verify(t, secret, rcv.Requests()[1])
	// The secret is in no dataset, the delivery log included.
	var all strings.Builder
	for _, d := range st.Datasets() {
		st.Scan(d.Name, store.ReadOptions{History: true}, func(_ uint64, e []byte) error { all.Write(e); return nil })
	}
	if !strings.Contains(all.String(), `"outcome":"delivered"`) {
		t.Fatalf("nothing was logged: %s", all.String())
	}
	checkNoSecrets(t, all.String(), secret)
}

// TestGeneratedSecretWithoutStore: without a data folder the secret lasts
// as long as the process, across notifiers (config reloads).
func TestGeneratedSecretWithoutStore(t *testing.T) {
	// The secrets outlive the test too: an id of its own keeps -count=N honest.
	id := fmt.Sprintf("memory-only-%d", time.Now().UnixNano())
	cfg := loadConfig(t, `{"_id": "`+id+`", "type": "destination", "url": "https://example.com/"}`, nil)
	logs := &testkit.Buffer{}
	for range 2 {
		if _, err := notify.New(cfg, nil, logs.Logger(), notify.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Count(logs.String(), "whsec_") != 1 || !strings.Contains(logs.String(), "not kept") {
		t.Fatalf("log: %s", logs)
	}
}

func TestWaitCancels(t *testing.T) {
	release := make(chan struct{})
	slow := testkit.NewReceiver(t, testkit.ReceiverOptions{Reply: testkit.Reply{Status: http.StatusOK, Hold: release}})
	defer close(release)
	n := newNotifier(t, fmt.Sprintf(`[%s,
 {"_id": "ops", "type": "destination", "url": %q},
 {"_id": "all", "type": "subscription", "events": ["*"], "destinations": ["ops"]}]`, onePipe, slow.URL), nil)
	n.Publish(completedRun("crm-people"))
	n.Publish(failedRun("crm-people"))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := n.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait = %v", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatal("Wait took too long to cancel")
	}
	entries := logEntries(t, n.st)
	if len(entries) != 2 || entries[0]["outcome"] != "failed" || entries[1]["outcome"] != "failed" {
		t.Fatalf("log after cancel: %v", entries)
	}
}

// TestRedaction: a URL carrying a secret token, unreachable, so the
// errors quote it; neither the delivery log nor slog may show it.
func TestRedaction(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	n := newNotifier(t, fmt.Sprintf(`[%s,
 {"_id": "ops", "type": "destination", "url": "http://%s/hook?token=$SECRET(tok)", "retry": {"max_attempts": 2, "initial_delay": 0.01, "timeout": 2}},
 {"_id": "all", "type": "subscription", "events": ["*"], "destinations": ["ops"]}]`, onePipe, addr),
		map[string]string{"tok": "hunter2-token"})
	n.Publish(failedRun("crm-people"))
	wait(t, n)
	entries := logEntries(t, n.st)
	if len(entries) != 2 || entries[1]["outcome"] != "failed" || entries[0]["status"] != 0.0 || !strings.Contains(entries[0]["error"].(string), "token=***") {
		t.Fatalf("log: %v", entries)
	}
	if entries[0]["url"] != "http://"+addr+"/hook?token=***" {
		t.Fatalf("url in the log: %v", entries[0]["url"])
	}
	if !strings.Contains(n.logs.String(), "run notification not delivered") {
		t.Fatalf("slog: %s", n.logs)
	}
	checkNoSecrets(t, rawLog(t, n.st)+n.logs.String(), "hunter2-token")
	res, err := n.SendTest(context.Background(), "ops")
	if err == nil || strings.Contains(err.Error()+res.Error+res.URL, "hunter2") {
		t.Fatalf("SendTest = %+v, %v", res, err)
	}
}

func TestDescribe(t *testing.T) {
	cfg := loadConfig(t, `[
 {"_id": "crm-people", "type": "pipe", "source": {"type": "embedded", "entities": []}},
 {"_id": "erp", "type": "pipe", "source": {"type": "embedded", "entities": []}},
 {"_id": "ops", "type": "destination", "url": "https://ops.example.com/?k=$SECRET(k)", "headers": {"X-B": "1", "X-A": "$SECRET(k)"}},
 {"_id": "quiet", "type": "destination", "url": "https://quiet.example.com/", "secrets": ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]},
 {"_id": "crm", "type": "subscription", "events": ["pipe.failed"], "pipes": ["crm-*"], "destinations": ["ops"]},
 {"_id": "all", "type": "subscription", "events": ["*"], "pipes": ["erp"], "destinations": ["ops"]}
]`, map[string]string{"k": "key-123456"})
	b, _ := json.Marshal(notify.Describe(cfg))
	want := `[{"_id":"ops","url":"https://ops.example.com/?k=***","secret":"generated","keys":1,"headers":["X-A","X-B"],` +
		`"events":["pipe.completed","pipe.failed"],"routes":[` +
		`{"subscription":"all","events":["*"],"pipes":["erp"],"matches":["erp"]},` +
		`{"subscription":"crm","events":["pipe.failed"],"pipes":["crm-*"],"matches":["crm-people"]}]},` +
		`{"_id":"quiet","url":"https://quiet.example.com/","secret":"configured","keys":2,"headers":[],"events":[],"routes":[]}]`
	if string(b) != want {
		t.Fatalf("Describe:\n got %s\nwant %s", b, want)
	}
}
