package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// TestNotifyRunCompleted starts the real binary with a destination and a
// subscription, starts a pipe through the API (without waiting) and checks
// that a signed pipe.completed arrives and is in the delivery log.
func TestNotifyRunCompleted(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	type arrival struct {
		header http.Header
		body   []byte
	}
	got := make(chan arrival, 10)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- arrival{r.Header.Clone(), b}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer hook.Close()

	cfg, data := t.TempDir(), filepath.Join(t.TempDir(), "data")
	config := fmt.Sprintf(`[
 {"_id": "people", "type": "pipe", "pump": {"mode": "manual"},
  "source": {"type": "embedded", "entities": [{"_id": "ada"}, {"_id": "grace"}, {"_id": "linus"}]}},
 {"_id": "ops", "type": "destination", "url": %q, "secret": "$SECRET(ops_secret)", "headers": {"X-Team": "data"}},
 {"_id": "on-completed", "type": "subscription", "events": ["pipe.completed"], "pipes": ["people"], "destinations": ["ops"]}
]`, hook.URL+"/hooks")
	if err := os.WriteFile(filepath.Join(cfg, "sluice.json"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SLUICE_SECRET_ops_secret", secret)
	svc := startService(t, "--config", cfg, "--data", data)

	if code, body := svc.do(t, "POST", "/api/pipes/people/pump", "application/x-www-form-urlencoded", "operation=start"); code != 202 {
		t.Fatalf("start: %d %s", code, body)
	}
	var a arrival
	select {
	case a = <-got:
	case <-time.After(30 * time.Second):
		t.Fatalf("no notification within 30 s\n%s", svc.stderr)
	}
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(a.body, a.header); err != nil {
		t.Fatalf("signature: %v\n%s", err, a.body)
	}
	var p struct {
		Type string `json:"type"`
		Data struct {
			Pipe   string `json:"pipe"`
			Status string `json:"status"`
			Full   bool   `json:"full"`
			Counts struct {
				Read, Written, Deleted int
			} `json:"counts"`
			Offsets    struct{ Start, End json.RawMessage } `json:"offsets"`
			DurationMS *int64                               `json:"duration_ms"`
		} `json:"data"`
	}
	if err := json.Unmarshal(a.body, &p); err != nil {
		t.Fatal(err)
	}
	if p.Type != "pipe.completed" || p.Data.Pipe != "people" || p.Data.Status != "completed" || !p.Data.Full ||
		p.Data.Counts.Read != 3 || p.Data.Counts.Written != 3 || p.Data.DurationMS == nil || a.header.Get("X-Team") != "data" {
		t.Fatalf("payload: %s", a.body)
	}

	// The attempt is in the delivery log, without the secret.
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body := svc.do(t, "GET", "/api/datasets/system:notification_log/entities", "", "")
		if code == 200 && strings.Contains(body, `"outcome":"delivered"`) {
			if strings.Contains(body, strings.TrimPrefix(secret, "whsec_")) || !strings.Contains(body, `"status":204`) {
				t.Fatalf("delivery log: %s", body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery log: %d %s", code, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code, body := svc.do(t, "GET", "/api/destinations", "", ""); code != 200 || !strings.Contains(body, `"subscription":"on-completed"`) {
		t.Fatalf("destinations: %d %s", code, body)
	}
	svc.stop(t)
}
