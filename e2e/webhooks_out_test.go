package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// lockedBuffer collects a subprocess's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// hookReceiver is a running examples/webhooks-out/receiver.
type hookReceiver struct {
	url    string        // http://127.0.0.1:PORT
	secret string        // what it verifies with
	stdout *lockedBuffer // one line per request
	stderr *lockedBuffer
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

// buildHookReceiver builds the example receiver once per test.
func buildHookReceiver(t *testing.T) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), "receiver")
	build := exec.Command("go", "build", "-o", exe, "./examples/webhooks-out/receiver")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build receiver: %v\n%s", err, out)
	}
	return exe
}

// startHookReceiver builds and starts the receiver on a free loopback port
// with a fresh secret (from its own -gen-secret) and extra args; it stops
// with the test.
func startHookReceiver(t *testing.T, args ...string) *hookReceiver {
	t.Helper()
	exe := buildHookReceiver(t)
	gen, err := exec.Command(exe, "-gen-secret").Output()
	if err != nil {
		t.Fatalf("receiver -gen-secret: %v", err)
	}
	h := &hookReceiver{secret: strings.TrimSpace(string(gen)), stdout: &lockedBuffer{}, stderr: &lockedBuffer{}}
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
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	sig, err := wh.Sign(id, now, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(method, h.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(standardwebhooks.HeaderWebhookID, id)
	req.Header.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(standardwebhooks.HeaderWebhookSignature, sig)
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
	out := h.stdout.String()
	for _, want := range []string{
		"POST /customers id=msg_1 200 2 records: upsert ada, delete bob",
		"POST /customers id=msg_1 200 duplicate",
		"POST /customers id=msg_2 401 REJECTED bad signature",
		"GET /get?_id=ada&_meta_sync_op=upsert id=msg_3 200 1 record: upsert ada",
		"POST /customers id=msg_4 503 injected failure",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}

	h.control(t, "/_reset", "")
	if got := h.received(t); len(got) != 0 {
		t.Fatalf("after /_reset: %+v", got)
	}
}
