package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/notify"
	"github.com/sluice-sync/sluice/store"
)

// newHookServer is a receiver of notifications answering status.
func newHookServer(t *testing.T, status int) *testkit.Receiver {
	t.Helper()
	return testkit.NewReceiver(t, testkit.ReceiverOptions{Reply: testkit.Reply{Status: status, Body: "ok"}})
}

// received lists the bodies and headers h got.
func received(h *testkit.Receiver) ([]string, []http.Header) {
	var bodies []string
	var heads []http.Header
	for _, r := range h.Requests() {
		bodies, heads = append(bodies, r.Body), append(heads, r.Header)
	}
	return bodies, heads
}

// notifyConfig is a config folder with one pipe, destinations "ops" (with a
// secret) and "gen" (without), and a subscription sending every event to
// both.
func notifyConfig(t *testing.T, opsURL, genURL string) string {
	t.Helper()
	cfg := fmt.Sprintf(`[
 {"_id": "people", "type": "pipe", "source": {"type": "embedded", "entities": [{"_id": "ada"}, {"_id": "grace"}]}},
 {"_id": "ops", "type": "destination", "url": %q, "secret": "$SECRET(ops)", "headers": {"X-Team": "data"},
  "retry": {"max_attempts": 2, "initial_delay": 0.01, "timeout": 5}},
 {"_id": "gen", "type": "destination", "url": %q, "retry": {"max_attempts": 1, "timeout": 5}},
 {"_id": "all", "type": "subscription", "events": ["*"], "pipes": ["*"], "destinations": ["ops", "gen"]}
]`, opsURL, genURL)
	return testkit.ConfigDir(t, map[string]string{"config.json": cfg})
}

const opsSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func TestDestinationList(t *testing.T) {
	t.Setenv("SLUICE_SECRET_ops", opsSecret)
	cfg := notifyConfig(t, "https://ops.example.com/hooks", "https://gen.example.com/in")
	code, out, errOut := sluiceIn(t, "", "destination", "list", "--config", cfg)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := "DESTINATION  URL                            EVENTS                      SUBSCRIPTIONS  SECRET\n" +
		"gen          https://gen.example.com/in     pipe.completed,pipe.failed  all            generated\n" +
		"ops          https://ops.example.com/hooks  pipe.completed,pipe.failed  all            configured\n"
	if out != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
	code, out, _ = sluiceIn(t, "", "destination", "list", "--config", cfg, "--json")
	var info notify.DestinationInfo
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 || json.Unmarshal([]byte(lines[1]), &info) != nil || info.ID != "ops" || info.Headers[0] != "X-Team" {
		t.Fatalf("--json: %d %s", code, out)
	}
	if strings.Contains(out, "whsec_") {
		t.Fatal("the list shows a secret")
	}
}

func TestDestinationTest(t *testing.T) {
	t.Setenv("SLUICE_SECRET_ops", opsSecret)
	ok, down := newHookServer(t, 204), newHookServer(t, 503)
	cfg, data := notifyConfig(t, ok.URL, down.URL), filepath.Join(t.TempDir(), "data")

	code, out, errOut := sluiceIn(t, "", "destination", "test", "ops", "--config", cfg, "--data", data)
	var res notify.Result
	if code != 0 || strings.Count(out, "\n") != 1 || json.Unmarshal([]byte(out), &res) != nil || !res.Delivered || res.Status != 204 {
		t.Fatalf("test ops: exit %d\n%s\n%s", code, out, errOut)
	}
	// Every destination gets what it needs at once: gen's secret is made
	// (and shown, once) now.
	if !strings.Contains(errOut, "generated a signing secret for destination gen: whsec_") {
		t.Fatalf("no generated secret shown: %s", errOut)
	}
	bodies, heads := received(ok)
	wh, _ := standardwebhooks.NewWebhook(opsSecret)
	if len(bodies) != 1 || wh.Verify([]byte(bodies[0]), heads[0]) != nil || !strings.Contains(bodies[0], `"test":true`) {
		t.Fatalf("received: %v", bodies)
	}

	code, out, errOut = sluiceIn(t, "", "destination", "test", "gen", "--config", cfg, "--data", data)
	if code != 1 || json.Unmarshal([]byte(out), &res) != nil || res.Delivered || res.Status != 503 || !strings.Contains(errOut, "answered 503") {
		t.Fatalf("test gen: exit %d\n%s\n%s", code, out, errOut)
	}
	if strings.Contains(errOut, "whsec_") || strings.Contains(errOut, "level=WARN") {
		t.Fatalf("a secret shown again, or a warning the result already tells: %s", errOut)
	}

	code, _, errOut = sluiceIn(t, "", "destination", "test", "opz", "--config", cfg, "--data", data)
	if code != 1 || !strings.Contains(errOut, `no destination "opz" (did you mean "ops"?)`) {
		t.Fatalf("unknown: exit %d %s", code, errOut)
	}

	st := testkit.OpenStoreAt(t, data)
	defer st.Close()
	var outcomes []string
	st.Scan(notify.LogDataset, store.ReadOptions{}, func(_ uint64, e []byte) error {
		var m map[string]any
		json.Unmarshal(e, &m)
		outcomes = append(outcomes, fmt.Sprint(m["destination"], " ", m["outcome"]))
		return nil
	})
	if strings.Join(outcomes, ",") != "ops delivered,gen failed" {
		t.Fatalf("delivery log: %v", outcomes)
	}
}

// TestPumpNotifies: the one-shot pump delivers its notifications before it
// exits, signed with the configured secret and with the one it generated.
func TestPumpNotifies(t *testing.T) {
	t.Setenv("SLUICE_SECRET_ops", opsSecret)
	ops, gen := newHookServer(t, 200), newHookServer(t, 200)
	cfg, data := notifyConfig(t, ops.URL, gen.URL), filepath.Join(t.TempDir(), "data")

	// A dry run notifies no one.
	if code, _, errOut := sluiceIn(t, "", "pump", "people", "--config", cfg, "--data", data, "--dry-run"); code != 0 {
		t.Fatalf("dry run: %s", errOut)
	}
	if b, _ := received(ops); len(b) != 0 {
		t.Fatalf("a dry run notified: %v", b)
	}

	code, out, errOut := sluiceIn(t, "", "pump", "people", "--config", cfg, "--data", data)
	if code != 0 {
		t.Fatalf("pump: exit %d %s", code, errOut)
	}
	bodies, heads := received(ops)
	if len(bodies) != 1 {
		t.Fatalf("ops got %d notifications by the time pump exited", len(bodies))
	}
	wh, _ := standardwebhooks.NewWebhook(opsSecret)
	if err := wh.Verify([]byte(bodies[0]), heads[0]); err != nil {
		t.Fatal(err)
	}
	var p notify.Payload
	if err := json.Unmarshal([]byte(bodies[0]), &p); err != nil {
		t.Fatal(err)
	}
	var sum struct{ Offset json.RawMessage }
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatal(err)
	}
	if p.Type != "pipe.completed" || p.Data.Pipe != "people" || p.Data.Counts.Written != 2 || string(p.Data.Offsets.End) != string(sum.Offset) || p.Data.Started == "" {
		t.Fatalf("payload: %s", bodies[0])
	}

	// The generated secret is shown once, and it verifies.
	m := regexp.MustCompile(`destination gen: (whsec_[A-Za-z0-9+/=]+)`).FindStringSubmatch(errOut)
	if m == nil {
		t.Fatalf("no generated secret in: %s", errOut)
	}
	gbodies, gheads := received(gen)
	whGen, _ := standardwebhooks.NewWebhook(m[1])
	if len(gbodies) != 1 || whGen.Verify([]byte(gbodies[0]), gheads[0]) != nil {
		t.Fatalf("gen: %v", gbodies)
	}
	code, _, errOut = sluiceIn(t, "", "pump", "people", "--config", cfg, "--data", data)
	if code != 0 || strings.Contains(errOut, "whsec_") {
		t.Fatalf("second pump: exit %d, stderr %s", code, errOut)
	}
	gbodies, gheads = received(gen)
	if len(gbodies) != 2 || whGen.Verify([]byte(gbodies[1]), gheads[1]) != nil {
		t.Fatal("the second run was not signed with the kept secret")
	}
}
