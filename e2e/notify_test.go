package e2e

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/internal/testkit"
)

// TestNotifyRunCompleted starts the real binary with a destination and a
// subscription, starts a pipe through the API (without waiting) and checks
// that a signed pipe.completed arrives and is in the delivery log.
func TestNotifyRunCompleted(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	hook := testkit.NewReceiver(t, testkit.ReceiverOptions{})

	cfg, data := t.TempDir(), filepath.Join(t.TempDir(), "data")
	config := fmt.Sprintf(`[
 {"_id": "people", "type": "pipe", "pump": {"mode": "manual"},
  "source": {"type": "embedded", "entities": [{"_id": "ada"}, {"_id": "grace"}, {"_id": "linus"}]}},
 {"_id": "ops", "type": "destination", "url": %q, "secret": "$SECRET(ops_secret)", "headers": {"X-Team": "data"}},
 {"_id": "on-completed", "type": "subscription", "events": ["pipe.completed"], "pipes": ["people"], "destinations": ["ops"]}
]`, hook.URL+"/hooks")
	testkit.WriteFile(t, filepath.Join(cfg, "sluice.json"), config)
	t.Setenv("SLUICE_SECRET_ops_secret", secret)
	svc := startService(t, "--config", cfg, "--data", data)

	if code, body := svc.do(t, "POST", "/api/pipes/people/pump", "application/x-www-form-urlencoded", "operation=start"); code != 202 {
		t.Fatalf("start: %d %s", code, body)
	}
	a, ok := hook.Await(30 * time.Second)
	if !ok {
		t.Fatalf("no notification within 30 s\n%s", svc.stderr)
	}
	if err := testkit.Verify(secret, a.Body, a.Header); err != nil {
		t.Fatalf("signature: %v\n%s", err, a.Body)
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
	if err := json.Unmarshal([]byte(a.Body), &p); err != nil {
		t.Fatal(err)
	}
	if p.Type != "pipe.completed" || p.Data.Pipe != "people" || p.Data.Status != "completed" || !p.Data.Full ||
		p.Data.Counts.Read != 3 || p.Data.Counts.Written != 3 || p.Data.DurationMS == nil || a.Header.Get("X-Team") != "data" {
		t.Fatalf("payload: %s", a.Body)
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
