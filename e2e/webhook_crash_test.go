package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/internal/testkit"
)

// TestWebhookSinkKilledMidRun kills "sluice pump" (SIGKILL) while its
// webhook sink is sending, then runs it again: every record reaches the
// receiver, and a record that arrives twice comes under the webhook-id it
// first came with, so a receiver that de-duplicates on webhook-id takes
// each exactly once. Nothing acknowledged is lost, no batch is doubled.
func TestWebhookSinkKilledMidRun(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	const n, batch = 60, 5
	var mu sync.Mutex
	firstID := map[string]string{} // record _id → webhook-id it first came with
	seenIDs := map[string]bool{}   // webhook-ids received
	requests := 0
	var problems []string
	recv := testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, body string) {
		var recs []struct {
			Payload struct {
				ID string `json:"_id"`
			} `json:"payload"`
		}
		if err := json.Unmarshal([]byte(body), &recs); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		id := r.Header.Get("webhook-id")
		mu.Lock()
		requests++
		dup := seenIDs[id]
		seenIDs[id] = true
		for _, rec := range recs {
			if was, ok := firstID[rec.Payload.ID]; ok && was != id {
				problems = append(problems, fmt.Sprintf("record %s came again under %s (first %s)", rec.Payload.ID, id, was))
			}
			if !dup {
				if _, ok := firstID[rec.Payload.ID]; !ok {
					firstID[rec.Payload.ID] = id
				}
			}
		}
		mu.Unlock()
		time.Sleep(40 * time.Millisecond) // slow enough to be killed mid-run
		w.WriteHeader(http.StatusNoContent)
	})

	tmp := t.TempDir()
	cfg, data := filepath.Join(tmp, "config"), filepath.Join(tmp, "data")
	ents := make([]obj, n)
	for i := range ents {
		ents[i] = obj{"_id": fmt.Sprintf("e%02d", i), "n": i}
	}
	writeJSON(t, filepath.Join(cfg, "p.json"), []obj{
		{"_id": "src", "type": "pipe", "source": obj{"type": "embedded", "entities": ents}},
		{"_id": "out", "type": "pipe", "source": obj{"type": "dataset", "dataset": "src"},
			"sink": obj{"type": "webhook", "url": recv.URL, "batch_size": batch,
				"secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}},
	})
	pump(t, cfg, data, "src")

	cmd := exec.Command(testkit.Sluice(t), "pump", "out", "--config", cfg, "--data", data)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.After(20 * time.Second)
	for killed := false; !killed; {
		select {
		case err := <-done:
			t.Fatalf("the pump ended before it could be killed: %v", err)
		case <-deadline:
			t.Fatal("the receiver got too few requests")
		case <-time.After(5 * time.Millisecond):
			mu.Lock()
			got := requests
			mu.Unlock()
			if got >= n/batch/2 {
				_ = cmd.Process.Signal(syscall.SIGKILL)
				<-done
				killed = true
			}
		}
	}
	mu.Lock()
	before := len(firstID)
	mu.Unlock()
	t.Logf("killed after %d of %d records arrived", before, n)
	if before == 0 || before == n {
		t.Fatalf("killed at %d of %d records: not mid-run", before, n)
	}

	s := pump(t, cfg, data, "out")
	if s.Status != "completed" {
		t.Fatalf("rerun: %v", s)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Error(p)
	}
	if len(firstID) != n {
		t.Errorf("%d of %d records arrived", len(firstID), n)
	}
	// The rerun sent again at most the batch in flight when killed (and
	// the one prepared after it), never what was committed.
	if extra := requests - n/batch; extra < 0 || extra > 2 {
		t.Errorf("%d requests for %d batches", requests, n/batch)
	}
	// A third run has nothing to send.
	if s := pump(t, cfg, data, "out"); s.Written != 0 {
		t.Errorf("a third run wrote %d", s.Written)
	}
}
