package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/internal/testkit"
)

// hookReceiver is a running examples/webhooks-out/receiver.
type hookReceiver struct {
	url    string          // http://127.0.0.1:PORT
	secret string          // what it verifies with
	stdout *testkit.Buffer // one line per request
	stderr *testkit.Buffer
}

// receivedHook is one entry of the receiver's GET /_received.
type receivedHook struct {
	WebhookID string            `json:"webhook_id"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Query     map[string]string `json:"query"`
	Body      json.RawMessage   `json:"body"`
	Headers   map[string]string `json:"headers"`
}

// startHookReceiver builds and starts the receiver on a free loopback port
// with a fresh secret (from its own -gen-secret) and extra args; it stops
// with the test.
func startHookReceiver(t *testing.T, args ...string) *hookReceiver {
	t.Helper()
	exe := testkit.Binary(t, "./examples/webhooks-out/receiver")
	gen, err := exec.Command(exe, "-gen-secret").Output()
	if err != nil {
		t.Fatalf("receiver -gen-secret: %v", err)
	}
	h := &hookReceiver{secret: strings.TrimSpace(string(gen)), stdout: &testkit.Buffer{}, stderr: &testkit.Buffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, exe, append([]string{"-addr", "127.0.0.1:0", "-secret", h.secret}, args...)...)
	cmd.Stdout = h.stdout
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	lines := bufio.NewReader(pipe)
	for h.url == "" {
		line, err := lines.ReadString('\n')
		h.stderr.Write([]byte(line))
		if err != nil {
			cancel()
			cmd.Wait()
			close(done)
			t.Fatalf("receiver stopped before listening: %v\n%s", err, h.stderr)
		}
		if i := strings.Index(line, "listening on http://"); i >= 0 {
			h.url = strings.TrimSpace(line[i+len("listening on "):])
		}
	}
	go func() {
		io.Copy(h.stderr, lines) // keep reading, so the receiver never blocks on a full pipe
		cmd.Wait()
		close(done)
	}()
	return h
}

// send makes a request to the receiver, signed with secret by the Standard
// Webhooks library, and returns the status.
func (h *hookReceiver) send(t *testing.T, secret, id, method, path, body string) int {
	t.Helper()
	req, err := http.NewRequest(method, h.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	testkit.Sign(t, req, secret, id, body)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// received lists what the receiver accepted, in order.
func (h *hookReceiver) received(t *testing.T) []receivedHook {
	t.Helper()
	resp, err := http.Get(h.url + "/_received")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []receivedHook
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /_received: %d %v", resp.StatusCode, err)
	}
	return out
}

// control POSTs a JSON body to /_fail or /_reset; it must answer 200.
func (h *hookReceiver) control(t *testing.T, path, body string) {
	t.Helper()
	resp, err := http.Post(h.url+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s %s: %d %s", path, body, resp.StatusCode, b)
	}
}

// TestWebhooksOutReceiver runs the webhooks-out example's receiver binary:
// it accepts requests signed by the Standard Webhooks library, refuses
// others, and lists what it accepted at /_received.
func TestWebhooksOutReceiver(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the example receiver")
	}
	h := startHookReceiver(t)
	records := `[{"_message_id": 1, "_sync_mode": "mirror", "payload": {"_id": "ada", "my_first_name": "Ada", "_meta": {"row_num": 1, "sync_op": "upsert"}}},` +
		`{"_message_id": 2, "_sync_mode": "mirror", "payload": {"_id": "bob", "_meta": {"row_num": 2, "sync_op": "delete"}}}]`

	if got := h.send(t, h.secret, "msg_1", http.MethodPost, "/customers", records); got != http.StatusOK {
		t.Fatalf("signed POST: %d\n%s", got, h.stdout)
	}
	if got := h.send(t, h.secret, "msg_1", http.MethodPost, "/customers", records); got != http.StatusOK {
		t.Fatalf("repeated POST: %d", got)
	}
	if got := h.send(t, "whsec_"+strings.Repeat("A", 43)+"=", "msg_2", http.MethodPost, "/customers", records); got != http.StatusUnauthorized {
		t.Fatalf("POST signed with another secret: %d", got)
	}
	if got := h.send(t, h.secret, "msg_3", http.MethodGet, "/get?_id=ada&_meta_sync_op=upsert", ""); got != http.StatusOK {
		t.Fatalf("signed GET: %d", got)
	}
	h.control(t, "/_fail", `{"status": 503, "count": 1}`)
	if got := h.send(t, h.secret, "msg_4", http.MethodPost, "/customers", "[]"); got != http.StatusServiceUnavailable {
		t.Fatalf("injected 503: %d", got)
	}

	got := h.received(t)
	if len(got) != 2 || got[0].WebhookID != "msg_1" || got[0].Method != "POST" || got[0].URL != "/customers" ||
		got[1].WebhookID != "msg_3" || got[1].Method != "GET" || got[1].Query["_id"] != "ada" || string(got[1].Body) != "null" {
		t.Fatalf("received: %+v\nstdout:\n%s", got, h.stdout)
	}
	var body []map[string]any
	if err := json.Unmarshal(got[0].Body, &body); err != nil || len(body) != 2 || got[0].Headers["webhook-id"] != "msg_1" {
		t.Fatalf("first delivery: %+v (%v)", got[0], err)
	}
	for _, want := range []string{
		"POST /customers id=msg_1 200 2 records: upsert ada, delete bob",
		"POST /customers id=msg_1 200 duplicate",
		"POST /customers id=msg_2 401 REJECTED bad signature",
		"GET /get?_id=ada&_meta_sync_op=upsert id=msg_3 200 1 record: upsert ada",
		"POST /customers id=msg_4 503 injected failure",
	} {
		h.waitCount(t, want, 1) // lines reach the test through a pipe, a little later
	}

	h.control(t, "/_reset", "")
	if got := h.received(t); len(got) != 0 {
		t.Fatalf("after /_reset: %+v", got)
	}
}

// hookRecord is one record of a webhook sink's POST body.
type hookRecord struct {
	MessageID json.Number    `json:"_message_id"`
	SyncMode  string         `json:"_sync_mode"`
	Payload   map[string]any `json:"payload"`
}

// op and id read the record's payload _meta.sync_op and _id.
func (r hookRecord) op() string {
	meta, _ := r.Payload["_meta"].(map[string]any)
	s, _ := meta["sync_op"].(string)
	return s
}

func (r hookRecord) id() string { s, _ := r.Payload["_id"].(string); return s }

// runEvent is a run notification, exactly in the shape notify sends; its
// decoder refuses any other field.
type runEvent struct {
	Type      string `json:"type"`
	Timestamp string `json:"timestamp"`
	Test      bool   `json:"test"`
	Data      struct {
		Pipe   string `json:"pipe"`
		Status string `json:"status"`
		Full   bool   `json:"full"`
		Counts struct {
			Read    int `json:"read"`
			Written int `json:"written"`
			Deleted int `json:"deleted"`
		} `json:"counts"`
		Offsets struct {
			Start json.RawMessage `json:"start"`
			End   json.RawMessage `json:"end"`
		} `json:"offsets"`
		Started    string `json:"started"`
		Ended      string `json:"ended"`
		DurationMS *int64 `json:"duration_ms"`
		Error      string `json:"error"`
	} `json:"data"`
}

// deliveryLine is one line of `sluice deliveries list|resend|replay`.
type deliveryLine struct {
	WebhookID string         `json:"webhook_id"`
	EntityIDs []string       `json:"entity_ids"`
	Ops       map[string]int `json:"ops"`
	Outcome   string         `json:"outcome"`
	Status    int            `json:"status"`
}

func parseDeliveries(t *testing.T, r result) []deliveryLine {
	t.Helper()
	var out []deliveryLine
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if line == "" {
			continue
		}
		var d deliveryLine
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatalf("delivery line %q: %v\n%v", line, err, r)
		}
		out = append(out, d)
	}
	return out
}

// waitCount waits (briefly: the receiver's output reaches the test through
// a pipe) until its stdout holds want lines containing s, and fails if it
// holds another number.
func (h *hookReceiver) waitCount(t *testing.T, s string, want int) {
	t.Helper()
	count := func() int {
		n := 0
		for _, line := range strings.Split(h.stdout.String(), "\n") {
			if strings.Contains(line, s) {
				n++
			}
		}
		return n
	}
	deadline := time.Now().Add(3 * time.Second)
	for count() < want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := count(); got != want {
		t.Fatalf("want %d receiver lines with %q, got %d:\n%s", want, s, got, h.stdout)
	}
}

// TestWebhooksOutExample walks examples/webhooks-out with the real sluice
// binary and the example's receiver: mirror POSTs in batches, a deletion,
// valmi-style GETs, the deliveries commands, a 410 and re-enabling, and run
// notifications, all verified by the receiver's Standard Webhooks library.
func TestWebhooksOutExample(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the example receiver")
	}
	h := startHookReceiver(t)
	// A copy of the example's config, so that editing customers.json leaves
	// the repository alone.
	cfg, data := filepath.Join(t.TempDir(), "webhooks-out"), filepath.Join(t.TempDir(), "data")
	example := filepath.Join(repoRoot, "examples", "webhooks-out")
	files, err := filepath.Glob(filepath.Join(example, "*.json"))
	if err != nil || len(files) != 4 {
		t.Fatalf("example config files: %v %v", files, err)
	}
	if err := os.MkdirAll(cfg, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if err := copyFile(f, filepath.Join(cfg, filepath.Base(f))); err != nil {
			t.Fatal(err)
		}
	}
	// As the README says: sluice reads $ENV(receiver_url) and $SECRET(hook_secret).
	t.Setenv("receiver_url", h.url)
	t.Setenv("SLUICE_SECRET_hook_secret", h.secret)
	mustSluice(t, "validate", "--config", cfg)

	// editCustomers changes the embedded source of the pipe customers.
	editCustomers := func(edit func(ents []any) []any) {
		t.Helper()
		path := filepath.Join(cfg, "customers.json")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var pipe map[string]any
		if err := json.Unmarshal(b, &pipe); err != nil {
			t.Fatal(err)
		}
		src := pipe["source"].(map[string]any)
		src["entities"] = edit(src["entities"].([]any))
		writeJSON(t, path, pipe)
	}
	// posts lists what the receiver accepted at a path ("/get" matches its
	// queries too).
	posts := func(path string) []receivedHook {
		t.Helper()
		var out []receivedHook
		for _, r := range h.received(t) {
			if r.URL == path || strings.HasPrefix(r.URL, path+"?") {
				out = append(out, r)
			}
		}
		return out
	}
	records := func(r receivedHook) []hookRecord {
		t.Helper()
		var recs []hookRecord
		dec := json.NewDecoder(strings.NewReader(string(r.Body)))
		dec.UseNumber()
		if err := dec.Decode(&recs); err != nil {
			t.Fatalf("body of %s: %v: %s", r.WebhookID, err, r.Body)
		}
		return recs
	}
	// events checks that the receiver got exactly one more run notification
	// than before and returns it.
	seenEvents := 0
	nextEvent := func() runEvent {
		t.Helper()
		got := posts("/events")
		if len(got) != seenEvents+1 {
			t.Fatalf("want %d notifications at /events, got %d\n%s", seenEvents+1, len(got), h.stdout)
		}
		seenEvents++
		r := got[len(got)-1]
		var e runEvent
		dec := json.NewDecoder(strings.NewReader(string(r.Body)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			t.Fatalf("notification body: %v: %s", err, r.Body)
		}
		if r.Method != "POST" || !strings.HasPrefix(r.WebhookID, "evt_") || r.Headers["webhook-signature"] == "" ||
			e.Timestamp == "" || e.Data.Started == "" || e.Data.Ended == "" || e.Data.DurationMS == nil {
			t.Fatalf("notification: %+v\n%s", r, r.Body)
		}
		return e
	}
	// notified checks the notification of a pump's run against its summary.
	notified := func(s summary) {
		t.Helper()
		e := nextEvent()
		want := "pipe." + s.Status
		if e.Type != want || e.Test || e.Data.Pipe != s.Pipe || e.Data.Status != s.Status || e.Data.Full != s.Full ||
			e.Data.Counts.Read != s.Read || e.Data.Counts.Written != s.Written || e.Data.Counts.Deleted != s.Deleted ||
			string(e.Data.Offsets.End) != string(s.Offset) || (s.Status == "failed") != (e.Data.Error != "") {
			t.Fatalf("notification %+v does not match the run %v", e, s)
		}
	}
	noRejections := func() {
		t.Helper()
		if strings.Contains(h.stdout.String(), "REJECTED") {
			t.Fatalf("the receiver rejected a signature:\n%s", h.stdout)
		}
	}

	// 1. Five customers, mirrored in batches of 2: three signed POSTs.
	before := time.Now().Add(-time.Second)
	pump(t, cfg, data, "customers").counts(t, 5, 5, 0)
	if n := len(posts("/events")); n != 0 {
		t.Fatalf("the pipe customers does not match customers-*, yet %d notifications arrived", n)
	}
	s := pump(t, cfg, data, "customers-webhook")
	s.counts(t, 5, 5, 0)
	got := posts("/customers")
	wantIDs := [][]string{{"ada", "grace"}, {"linus", "margaret"}, {"ryan"}}
	if len(got) != len(wantIDs) {
		t.Fatalf("want %d POSTs, got %d:\n%s", len(wantIDs), len(got), h.stdout)
	}
	var sent []string // webhook-ids, in order
	msgID := 0
	for i, r := range got {
		recs := records(r)
		if r.Method != "POST" || r.Headers["x-team"] != "data" || r.Headers["webhook-id"] != r.WebhookID || len(recs) != len(wantIDs[i]) {
			t.Fatalf("POST %d: %+v\n%s", i, r, r.Body)
		}
		for j, rec := range recs {
			msgID++
			meta, _ := rec.Payload["_meta"].(map[string]any)
			if rec.id() != wantIDs[i][j] || rec.MessageID.String() != fmt.Sprint(msgID) || rec.SyncMode != "mirror" || rec.op() != "upsert" ||
				fmt.Sprint(meta["row_num"]) != fmt.Sprint(msgID) || rec.Payload["my_first_name"] == nil {
				t.Fatalf("POST %d record %d: %+v", i, j, rec)
			}
		}
		sent = append(sent, r.WebhookID)
	}
	h.waitCount(t, " POST /customers ", 3)
	noRejections()
	notified(s)
	h.waitCount(t, "pipe.completed pipe=customers-webhook status=completed full=true read=5 written=5 deleted=0 offsets=null..4 duration_ms=", 1)

	// Again: nothing new, nothing sent (but the run is notified).
	s = pump(t, cfg, data, "customers-webhook")
	s.counts(t, 0, 0, 0)
	notified(s)
	h.waitCount(t, " POST /customers ", 3)

	// 2. A customer removed from the source: one request, one delete.
	editCustomers(func(ents []any) []any {
		var keep []any
		for _, e := range ents {
			if e.(map[string]any)["_id"] != "linus" {
				keep = append(keep, e)
			}
		}
		return keep
	})
	if s := pump(t, cfg, data, "customers"); s.Deleted != 1 {
		t.Fatalf("removing linus: %v", s)
	}
	s = pump(t, cfg, data, "customers-webhook")
	notified(s)
	got = posts("/customers")
	if len(got) != 4 {
		t.Fatalf("want one more POST, got %d in all:\n%s", len(got), h.stdout)
	}
	if recs := records(got[3]); len(recs) != 1 || recs[0].id() != "linus" || recs[0].op() != "delete" || recs[0].SyncMode != "mirror" || s.Deleted != 1 {
		t.Fatalf("the deletion: %v\n%s", s, got[3].Body)
	}
	sent = append(sent, got[3].WebhookID)

	// 3. GET, valmi_compat, upsert: one signed GET per live customer, the
	// record in the query, the body empty.
	s = pump(t, cfg, data, "customers-webhook-get")
	notified(s)
	gets := posts("/get")
	if len(gets) != 4 || s.Written != 4 {
		t.Fatalf("want 4 GETs, got %d (%v):\n%s", len(gets), s, h.stdout)
	}
	for i, r := range gets {
		prefix := fmt.Sprintf("/get?_valmi_meta__valmi_row_num=%d&_valmi_meta__valmi_sync_op=upsert&_id=", i+1)
		if r.Method != "GET" || string(r.Body) != "null" || !strings.HasPrefix(r.URL, prefix) ||
			!strings.Contains(r.URL, "&_message_id=") || !strings.HasSuffix(r.URL, "&_sync_mode=upsert") ||
			r.Query["_id"] == "" || r.Query["_id"] == "linus" || r.Query["my_first_name"] == "" {
			t.Fatalf("GET %d: %+v", i, r)
		}
	}
	h.waitCount(t, "GET /get?", 4)
	noRejections()

	// 4. The deliveries: list, replay (original webhook-ids, so the
	// receiver sees duplicates), resend.
	sink := []string{"--config", cfg, "--data", data}
	ds := parseDeliveries(t, mustSluice(t, append([]string{"deliveries", "list", "customers-webhook"}, sink...)...))
	if len(ds) != len(sent) {
		t.Fatalf("deliveries list: want %d, got %+v", len(sent), ds)
	}
	for i, d := range ds {
		if d.WebhookID != sent[i] || d.Outcome != "delivered" || d.Status != 200 || len(d.EntityIDs) == 0 {
			t.Fatalf("delivery %d: %+v, want webhook-id %s", i, d, sent[i])
		}
	}
	if got := strings.Join(ds[0].EntityIDs, ","); got != "ada,grace" {
		t.Fatalf("first delivery's entity_ids: %s", got)
	}
	r := mustSluice(t, append([]string{"deliveries", "replay", "customers-webhook", "--since", before.UTC().Format(time.RFC3339Nano)}, sink...)...)
	if ds := parseDeliveries(t, r); len(ds) != len(sent) || !strings.Contains(r.stderr, "replayed 4 messages") {
		t.Fatalf("replay --since: %v", r)
	}
	for _, id := range sent {
		h.waitCount(t, "POST /customers id="+id+" 200 duplicate: ", 1)
	}
	r = mustSluice(t, append([]string{"deliveries", "replay", "customers-webhook", "--from-offset", "0", "--to-offset", "4"}, sink...)...)
	if ds := parseDeliveries(t, r); len(ds) != 3 || ds[0].WebhookID != sent[0] || ds[2].WebhookID != sent[2] {
		t.Fatalf("replay --from-offset 0 --to-offset 4: %v", r)
	}
	h.waitCount(t, "POST /customers id="+sent[2]+" 200 duplicate: ", 2)
	r = mustSluice(t, append([]string{"deliveries", "resend", "customers-webhook", sent[3]}, sink...)...)
	if ds := parseDeliveries(t, r); len(ds) != 1 || ds[0].WebhookID != sent[3] || ds[0].Outcome != "delivered" {
		t.Fatalf("resend: %v", r)
	}
	h.waitCount(t, "POST /customers id="+sent[3]+" 200 duplicate: 1 record: delete linus", 2)
	if n := len(posts("/customers")); n != len(sent) {
		t.Fatalf("the receiver kept %d POSTs, want %d: replays are duplicates", n, len(sent))
	}
	r = sluice(t, append([]string{"deliveries", "resend", "customers-webhook", "msg_nope"}, sink...)...)
	if r.code == 0 || !strings.Contains(r.stderr, `no such delivery "msg_nope"`) {
		t.Fatalf("resend of an unknown id: %v", r)
	}

	// 5. 410 Gone disables the endpoint until `deliveries enable`.
	editCustomers(func(ents []any) []any {
		ents[0].(map[string]any)["email"] = "ada@example.org"
		return ents
	})
	pump(t, cfg, data, "customers")
	h.control(t, "/_fail", `{"gone": true}`)
	failed := func() summary {
		t.Helper()
		r := sluice(t, append([]string{"pump", "customers-webhook"}, sink...)...)
		s := parseSummary(t, r)
		if r.code != 1 || s.Status != "failed" || !strings.Contains(s.Error, "410") || !strings.Contains(s.Error, "disabled") {
			t.Fatalf("want a failed run mentioning 410 and disabled, got %v", r)
		}
		return s
	}
	failed()
	h.waitCount(t, "POST /customers id=", 13) // 4 sent, 4+3 replayed, 1 resent, and the one that met the 410
	h.waitCount(t, " 410 gone", 2)            // the POST, and the pipe.failed notification
	// The endpoint is back, but the sink stays disabled: it fails at once,
	// and the pipe.failed notification gets through.
	h.control(t, "/_fail", `{"gone": false}`)
	s = failed()
	notified(s)
	h.waitCount(t, "POST /customers id=", 13)
	h.waitCount(t, "pipe.failed pipe=customers-webhook status=failed full=false read=1 written=0 deleted=0 offsets=", 1)
	mustSluice(t, append([]string{"deliveries", "enable", "customers-webhook"}, sink...)...)
	s = pump(t, cfg, data, "customers-webhook")
	s.counts(t, 1, 1, 0)
	notified(s)
	got = posts("/customers")
	if recs := records(got[len(got)-1]); len(got) != len(sent)+1 || len(recs) != 1 || recs[0].id() != "ada" || recs[0].Payload["email"] != "ada@example.org" {
		t.Fatalf("after enable: %d POSTs, last %s", len(got), got[len(got)-1].Body)
	}

	// 6. A test notification to the destination.
	r = mustSluice(t, "destination", "test", "ops", "--config", cfg, "--data", data)
	var res struct {
		Destination string `json:"destination"`
		Delivered   bool   `json:"delivered"`
		Status      int    `json:"status"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || res.Destination != "ops" || !res.Delivered || res.Status != 200 {
		t.Fatalf("destination test: %v (%v)", r, err)
	}
	if e := nextEvent(); e.Type != "pipe.completed" || !e.Test {
		t.Fatalf("test notification: %+v", e)
	}
	h.waitCount(t, "pipe.completed test pipe=", 1)
	noRejections()
}
