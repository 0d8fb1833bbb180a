package e2e

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestWebhooksExampleTrace: the example's "trace": true validates without
// a warning, and the lookup it traces shows in the run's pump-completed
// event.
func TestWebhooksExampleTrace(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the fake API")
	}
	api := startFakeAPI(t)
	env := []string{"acme_url=" + api, "service_url=http://127.0.0.1:8080/api"}
	cfg, data := filepath.Join(repoRoot, "examples", "webhooks"), filepath.Join(t.TempDir(), "data")
	if r := sluiceWith(t, runOpts{env: env}, "validate", "--config", cfg); r.code != 0 || strings.Contains(r.stderr, "warning") {
		t.Fatalf("validate: %v", r)
	}
	pump := func(extra ...string) {
		t.Helper()
		args := append([]string{"pump", "acme-order-registerwebhook", "--config", cfg, "--data", data}, extra...)
		if r := sluiceWith(t, runOpts{env: env}, args...); r.code != 0 {
			t.Fatalf("%v", r)
		}
	}
	pump()         // inserts the webhook: the traced lookup is not triggered
	pump("--full") // looks it up: traced

	var completed []ent
	for _, e := range entities(t, data, "system:pump_execution:acme-order-registerwebhook") {
		if e["event"] == "pump-completed" {
			completed = append(completed, e)
		}
	}
	if len(completed) != 2 {
		t.Fatalf("pump-completed events: %v", completed)
	}
	if _, ok := completed[0]["trace"]; ok {
		t.Errorf("a run without traced requests has a trace: %v", completed[0])
	}
	trace, _ := completed[1]["trace"].([]any)
	if len(trace) != 1 {
		t.Fatalf("trace: %v", completed[1])
	}
	e := ent(trace[0].(map[string]any))
	if e["component"] != "rest transform" || e["system"] != "acme" || e["method"] != "GET" || e["url"] != api+"/webhooks/1" ||
		e.num("status") != 200 || !strings.Contains(e["response_body"].(string), `"address"`) {
		t.Errorf("traced lookup: %v", e)
	}
}
