package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/internal/testkit"
)

// startFakeAPI builds and starts the webhooks example's fake acme API on a
// free loopback port and returns its base URL; it stops with the test.
func startFakeAPI(t *testing.T, args ...string) string {
	t.Helper()
	exe := testkit.Binary(t, "./examples/webhooks/fakeapi")
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, exe, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("fake API did not start: %v", err)
	}
	i := strings.Index(line, "http://")
	if i < 0 {
		t.Fatalf("fake API said %q", line)
	}
	return strings.TrimSpace(line[i:])
}

// webhookAddresses lists the webhooks registered at the fake API.
func webhookAddresses(t *testing.T, api string) []string {
	t.Helper()
	resp, err := http.Get(api + "/webhooks")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Values []struct{ Address string } `json:"values"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, v := range body.Values {
		out = append(out, v.Address)
	}
	return out
}

// TestWebhooksExample walks the webhooks example as its README does, with
// the real binary against the fake API.
func TestWebhooksExample(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the fake API")
	}
	api := startFakeAPI(t, "-seed")
	service := "http://127.0.0.1:8080/api"
	env := []string{"acme_url=" + api, "service_url=" + service}
	cfg, data := filepath.Join(repoRoot, "examples", "webhooks"), filepath.Join(t.TempDir(), "data")
	run := func(args ...string) result {
		t.Helper()
		r := sluiceWith(t, runOpts{env: env}, args...)
		if r.code != 0 {
			t.Fatalf("%v", r)
		}
		return r
	}
	pumpHook := func(extra ...string) summary {
		t.Helper()
		return parseSummary(t, run(append([]string{"pump", "acme-order-registerwebhook", "--config", cfg, "--data", data}, extra...)...))
	}
	ours := service + "/receivers/acme-order-event/entities"
	count := func(addr string) int {
		n := 0
		for _, a := range webhookAddresses(t, api) {
			if a == addr {
				n++
			}
		}
		return n
	}

	pumpHook().counts(t, 1, 1, 0)
	if count(ours) != 1 {
		t.Fatalf("after register: %v", webhookAddresses(t, api))
	}
	pumpHook().counts(t, 0, 0, 0)         // incremental: nothing read, nothing called
	pumpHook("--full").counts(t, 1, 0, 0) // lookup finds it: no second insert
	if count(ours) != 1 {
		t.Fatalf("after --full: %v", webhookAddresses(t, api))
	}

	// Lost at the API: the dry run shows the insert without sending it,
	// the next full run sends it.
	req, _ := http.NewRequest(http.MethodDelete, api+"/webhooks/3", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete at the API: %v %v", resp, err)
	}
	dry := run("pump", "acme-order-registerwebhook", "--config", cfg, "--data", data, "--full", "--dry-run")
	if !strings.Contains(dry.stdout, "POST "+api+"/webhooks") || count(ours) != 0 {
		t.Fatalf("dry run: %v / %v", dry, webhookAddresses(t, api))
	}
	pumpHook("--full").counts(t, 1, 1, 0)
	if count(ours) != 1 {
		t.Fatalf("after re-insert: %v", webhookAddresses(t, api))
	}

	// Lost again, and acme answers the insert with 500: the run fails,
	// naming what failed, and the next full run inserts it.
	req, _ = http.NewRequest(http.MethodDelete, api+"/webhooks/4", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete at the API: %v %v", resp, err)
	}
	if resp, err := http.Post(api+"/_fail?path=/webhooks&method=POST&status=500&count=1", "", nil); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("inject failure: %v %v", resp, err)
	}
	r := sluiceWith(t, runOpts{env: env}, "pump", "acme-order-registerwebhook", "--config", cfg, "--data", data, "--full")
	for _, want := range []string{`pipe "acme-order-registerwebhook"`, `entity "order-create"`, "operation webhook-insert", "answered 500", "injected failure"} {
		if r.code != 1 || !strings.Contains(r.stderr, want) {
			t.Fatalf("failed insert: want %q in %v", want, r)
		}
	}
	pumpHook("--full").counts(t, 1, 1, 0)

	// Collect and wipe: only this service's webhooks go.
	run("pump", "acme-webhook-collect", "--config", cfg, "--data", data)
	run("pump", "acme-webhook-wipe", "--config", cfg, "--data", data)
	left := webhookAddresses(t, api)
	if count(ours) != 0 || len(left) != 2 {
		t.Fatalf("after wipe: %v", left)
	}
}
