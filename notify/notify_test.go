package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/notify"
	"github.com/sluice-sync/sluice/store"
	"github.com/sluice-sync/sluice/webhook"
)

const onePipe = `{"_id": "crm-people", "type": "pipe", "source": {"type": "embedded", "entities": []}}`

// fastRetry keeps retry tests quick.
const fastRetry = `"retry": {"max_attempts": 3, "initial_delay": 0.01, "max_delay": 0.02, "timeout": 5}`

var (
	started = time.Date(2026, 3, 4, 5, 6, 7, 890_000_000, time.UTC)
	ended   = started.Add(1234 * time.Millisecond)
)

func completedRun(pipe string) notify.Run {
	return notify.Run{Pipe: pipe, Status: "completed", Full: true, Read: 10, Written: 4, Deleted: 1,
		StartOffset: json.RawMessage("null"), Offset: json.RawMessage("14"), Started: started, Ended: ended, DurationMS: 1234}
}

func failedRun(pipe string) notify.Run {
	return notify.Run{Pipe: pipe, Status: "failed", Read: 3, StartOffset: json.RawMessage("14"), Offset: json.RawMessage(`"abc"`),
		Started: started, DurationMS: 1234, Error: "source: GET https://api.example.com/?key=s3cr3t-api-key: 503"}
}

// fixture is a notifier over a real store, with its log.
type fixture struct {
	*notify.Notifier
	st   *store.Store
	logs *testkit.Buffer
}

func newNotifier(t *testing.T, config string, secrets map[string]string) fixture {
	t.Helper()
	cfg := loadConfig(t, config, secrets)
	f := fixture{st: testkit.OpenStore(t), logs: &testkit.Buffer{}}
	var err error
	f.Notifier, err = notify.New(cfg, f.st, f.logs.Logger(), notify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func wait(t *testing.T, n fixture) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := n.Wait(ctx); err != nil {
		t.Fatalf("Wait: %v", err)
	}
}

func verify(t *testing.T, secret string, r testkit.Request) {
	t.Helper()
	if err := testkit.Verify(secret, r.Body, r.Header); err != nil {
		t.Fatalf("standardwebhooks.Verify: %v\nheaders: %v", err, r.Header)
	}
}

func TestPayloadsAndSignatures(t *testing.T) {
	rcv := newReceiver(t)
	secret := webhook.GenerateSecret()
	n := newNotifier(t, fmt.Sprintf(`[%s,
 {"_id": "ops", "type": "destination", "url": %q, "secret": "$SECRET(ops)", "headers": {"X-Team": "data", "X-Api-Key": "$SECRET(api)"}},
 {"_id": "all", "type": "subscription", "events": ["*"], "destinations": ["ops"]}]`, onePipe, rcv.URL+"/hooks"),
		map[string]string{"ops": secret, "api": "s3cr3t-api-key"})
	n.Publish(completedRun("crm-people"))
	n.Publish(failedRun("crm-people"))
	wait(t, n)

	got := rcv.Requests()
	if len(got) != 2 {
		t.Fatalf("got %d requests", len(got))
	}
	want := []string{
		`{"type":"pipe.completed","timestamp":"2026-03-04T05:06:09.124Z","data":{"pipe":"crm-people","status":"completed","full":true,` +
			`"counts":{"read":10,"written":4,"deleted":1},"offsets":{"start":null,"end":14},` +
			`"started":"2026-03-04T05:06:07.890Z","ended":"2026-03-04T05:06:09.124Z","duration_ms":1234}}`,
		`{"type":"pipe.failed","timestamp":"2026-03-04T05:06:09.124Z","data":{"pipe":"crm-people","status":"failed","full":false,` +
			`"counts":{"read":3,"written":0,"deleted":0},"offsets":{"start":14,"end":"abc"},` +
			`"started":"2026-03-04T05:06:07.890Z","ended":"2026-03-04T05:06:09.124Z","duration_ms":1234,` +
			`"error":"source: GET https://api.example.com/?key=***: 503"}}`, // config secrets are redacted
	}
	ids := map[string]bool{}
	for i, r := range got {
		if r.Body != want[i] {
			t.Errorf("body %d:\n got %s\nwant %s", i, r.Body, want[i])
		}
		verify(t, secret, r)
		if r.Header.Get("X-Team") != "data" || r.Header.Get("X-Api-Key") != "s3cr3t-api-key" || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("headers: %v", r.Header)
		}
		id := r.Header.Get("webhook-id")
		if !strings.HasPrefix(id, "evt_") || len(id) != 36 || ids[id] {
			t.Errorf("webhook-id %q is not a fresh evt_ id", id)
		}
		ids[id] = true
	}
	entries := logEntries(t, n.st)
	if len(entries) != 2 {
		t.Fatalf("delivery log: %v", entries)
	}
	e := entries[0]
	for k, v := range map[string]any{"destination": "ops", "event": "pipe.completed", "pipe": "crm-people", "url": rcv.URL + "/hooks",
		"status": 200.0, "outcome": "delivered", "attempt": 1.0, "response": `{"answer": "from the receiver"}`} {
		if e[k] != v {
			t.Errorf("log entry %s = %v, want %v", k, e[k], v)
		}
	}
	if e["_id"] != e["webhook_id"].(string)+"#1" || e["time"] == "" {
		t.Errorf("log entry: %v", e)
	}
	checkNoSecrets(t, rawLog(t, n.st)+n.logs.String(), secret, "s3cr3t-api-key")
}

func TestRouting(t *testing.T) {
	a, b, c := newReceiver(t), newReceiver(t), newReceiver(t)
	n := newNotifier(t, fmt.Sprintf(`[
 {"_id": "crm-people", "type": "pipe", "source": {"type": "embedded", "entities": []}},
 {"_id": "crm-orgs", "type": "pipe", "source": {"type": "embedded", "entities": []}},
 {"_id": "erp", "type": "pipe", "source": {"type": "embedded", "entities": []}},
 {"_id": "a", "type": "destination", "url": %q},
 {"_id": "b", "type": "destination", "url": %q},
 {"_id": "c", "type": "destination", "url": %q},
 {"_id": "everything", "type": "subscription", "events": ["*"], "destinations": ["a"]},
 {"_id": "erp-again", "type": "subscription", "events": ["pipe.completed"], "pipes": ["erp"], "destinations": ["a", "c"]},
 {"_id": "failures", "type": "subscription", "events": ["pipe.failed"], "destinations": ["b", "c"]},
 {"_id": "crm", "type": "subscription", "events": ["pipe.completed"], "pipes": ["crm-*"], "destinations": ["c"]}
]`, a.URL, b.URL, c.URL), nil)
	n.Publish(completedRun("crm-people")) // a, c
	n.Publish(completedRun("erp"))        // a (once), c
	n.Publish(failedRun("crm-orgs"))      // a, b, c
	n.Publish(completedRun("unknown"))    // a: "*" matches any pipe
	n.Publish(notify.Run{Pipe: "erp", Status: "running"})
	wait(t, n)
	summary := func(r *testkit.Receiver) string {
		var s []string
		for _, q := range r.Requests() {
			var p struct {
				Type string
				Data struct{ Pipe string }
			}
			json.Unmarshal([]byte(q.Body), &p)
			s = append(s, p.Type+" "+p.Data.Pipe)
		}
		return strings.Join(s, ", ")
	}
	for _, c := range []struct {
		r    *testkit.Receiver
		want string
	}{
		{a, "pipe.completed crm-people, pipe.completed erp, pipe.failed crm-orgs, pipe.completed unknown"},
		{b, "pipe.failed crm-orgs"},
		{c, "pipe.completed crm-people, pipe.completed erp, pipe.failed crm-orgs"},
	} {
		if got := summary(c.r); got != c.want {
			t.Errorf("got %q\nwant %q", got, c.want)
		}
	}
}

func TestKeyRotation(t *testing.T) {
	rcv := newReceiver(t)
	old, next := webhook.GenerateSecret(), webhook.GenerateSecret()
	n := newNotifier(t, fmt.Sprintf(`[%s,
 {"_id": "ops", "type": "destination", "url": %q, "secrets": [%q, %q]},
 {"_id": "all", "type": "subscription", "events": ["pipe.completed"], "destinations": ["ops"]}]`, onePipe, rcv.URL, old, next), nil)
	n.Publish(completedRun("crm-people"))
	wait(t, n)
	got := rcv.Requests()
	if len(got) != 1 || len(strings.Fields(got[0].Header.Get("webhook-signature"))) != 2 {
		t.Fatalf("requests: %v", got)
	}
	verify(t, old, got[0])
	verify(t, next, got[0])
	if testkit.Verify(webhook.GenerateSecret(), got[0].Body, got[0].Header) == nil {
		t.Fatal("a third key verifies too: the check proves nothing")
	}
}

func TestRetriesThenDelivers(t *testing.T) {
	rcv := newReceiver(t, 500, 503)
	n := newNotifier(t, fmt.Sprintf(`[%s,
 {"_id": "ops", "type": "destination", "url": %q, %s},
 {"_id": "all", "type": "subscription", "events": ["*"], "destinations": ["ops"]}]`, onePipe, rcv.URL, fastRetry), nil)
	n.Publish(completedRun("crm-people"))
	wait(t, n)
	got := rcv.Requests()
	if len(got) != 3 {
		t.Fatalf("got %d requests, want 3", len(got))
	}
	id := got[0].Header.Get("webhook-id")
	for _, r := range got {
		if r.Header.Get("webhook-id") != id || r.Body != got[0].Body {
			t.Fatal("a retry changed the webhook-id or the body")
		}
	}
	var outcomes []string
	for _, e := range logEntries(t, n.st) {
		outcomes = append(outcomes, fmt.Sprintf("%v %v %v", e["_id"], e["status"], e["outcome"]))
	}
	want := fmt.Sprintf("%s#1 500 retrying, %s#2 503 retrying, %s#3 200 delivered", id, id, id)
	if strings.Join(outcomes, ", ") != want {
		t.Fatalf("log: %v\nwant %s", outcomes, want)
	}
}

func TestGoneStopsDelivery(t *testing.T) {
	rcv := newReceiver(t, 410)
	n := newNotifier(t, fmt.Sprintf(`[%s,
 {"_id": "ops", "type": "destination", "url": %q, %s},
 {"_id": "all", "type": "subscription", "events": ["*"], "destinations": ["ops"]}]`, onePipe, rcv.URL, fastRetry), nil)
	n.Publish(completedRun("crm-people"))
	n.Publish(completedRun("crm-people"))
	wait(t, n)
	if got := rcv.Requests(); len(got) != 1 {
		t.Fatalf("got %d requests after a 410, want 1", len(got))
	}
	var outcomes []string
	for _, e := range logEntries(t, n.st) {
		outcomes = append(outcomes, fmt.Sprint(e["outcome"]))
	}
	if strings.Join(outcomes, ",") != "gone,skipped" {
		t.Fatalf("outcomes: %v", outcomes)
	}
	if infos := n.Destinations(); !infos[0].Gone {
		t.Fatal("the destination is not shown as gone")
	}
	if !strings.Contains(n.logs.String(), "410 Gone") {
		t.Fatalf("no warning: %s", n.logs)
	}
	// A test send that gets through enables it again.
	if _, err := n.SendTest(context.Background(), "ops"); err != nil {
		t.Fatal(err)
	}
	n.Publish(completedRun("crm-people"))
	wait(t, n)
	if got := rcv.Requests(); len(got) != 3 {
		t.Fatalf("got %d requests, want 3", len(got))
	}
}

func TestOrderPerDestination(t *testing.T) {
	rcv := newReceiver(t, 500)
	n := newNotifier(t, fmt.Sprintf(`[%s,
 {"_id": "ops", "type": "destination", "url": %q, %s},
 {"_id": "all", "type": "subscription", "events": ["*"], "destinations": ["ops"]}]`, onePipe, rcv.URL, fastRetry), nil)
	for i := range 5 {
		r := completedRun("crm-people")
		r.Read = i
		n.Publish(r)
	}
	wait(t, n)
	var reads []int
	for _, q := range rcv.Requests() {
		var p notify.Payload
		json.Unmarshal([]byte(q.Body), &p)
		reads = append(reads, p.Data.Counts.Read)
	}
	// The first is retried before the second goes out.
	if fmt.Sprint(reads) != "[0 0 1 2 3 4]" {
		t.Fatalf("order: %v", reads)
	}
}

func checkNoSecrets(t *testing.T, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(text, s) || strings.Contains(text, strings.TrimPrefix(s, "whsec_")) {
			t.Errorf("a secret shows up:\n%s", text)
		}
	}
	if strings.Contains(text, "v1,") {
		t.Errorf("a signature shows up:\n%s", text)
	}
}
