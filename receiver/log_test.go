package receiver

import (
	"net/http"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/store"
)

func TestReceiverLogRedactsSecrets(t *testing.T) {
	h := newHarness(t, `[
	{"_id": "logged", "type": "pipe", "source": {"type": "http_endpoint", "logging": true,
	  "validation": {"type": "header", "header": "X-Token", "secret": "$SECRET(token)"}}},
	{"_id": "quiet", "type": "pipe", "source": {"type": "http_endpoint"}}
	]`)
	token := testSecrets["token"]
	r := h.post("logged", "is_full=false&key="+token, "application/json", `[{"_id": "a"}, {"_id": "b"}]`,
		"X-Token", token, "Authorization", "Bearer abc", "Cookie", "session=1", "webhook-signature", "v1,xyz",
		"X-Echo", "prefix "+token, "X-Trace", "t-1")
	expect(t, r, http.StatusOK)
	expect(t, h.post("logged", "", "application/json", `{"_id": "c"}`, "X-Token", "guess"), http.StatusUnauthorized)
	expect(t, h.post("quiet", "", "application/json", `{"_id": "c"}`), http.StatusOK)

	log := h.entities(LogDatasetPrefix + "logged")
	if len(log) != 2 {
		t.Fatalf("%d log entries, want 2: %v", len(log), log)
	}
	ok, rejected := log[0], log[1]
	if ok["_id"] != r.header.Get("X-Request-Id") {
		t.Errorf("log _id %v, X-Request-Id %q", ok["_id"], r.header.Get("X-Request-Id"))
	}
	if ok["outcome"] != OutcomeOK || ok["status"] != 200.0 || ok["entities"] != 2.0 || ok["method"] != "POST" ||
		ok["path"] != "/api/receivers/logged/entities" || ok["body_bytes"] != float64(len(`[{"_id": "a"}, {"_id": "b"}]`)) {
		t.Errorf("ok entry: %v", ok)
	}
	if _, has := ok["latency_ms"].(float64); !has || !strings.HasPrefix(ok["time"].(string), "~t") {
		t.Errorf("ok entry: %v", ok)
	}
	headers := ok["headers"].(map[string]any)
	for _, name := range []string{"x-token", "authorization", "cookie", "webhook-signature", "x-echo"} {
		if headers[name] != "***" {
			t.Errorf("header %s logged as %q", name, headers[name])
		}
	}
	if headers["x-trace"] != "t-1" || headers["content-type"] != "application/json" {
		t.Errorf("headers: %v", headers)
	}
	if q := ok["query"].(string); strings.Contains(q, token) || !strings.Contains(q, "key=***") {
		t.Errorf("query logged as %q", q)
	}
	if rejected["outcome"] != OutcomeRejected || rejected["status"] != 401.0 || rejected["error"] == "" {
		t.Errorf("rejected entry: %v", rejected)
	}
	// Nowhere in the log dataset does the secret appear.
	err := h.st.Scan(LogDatasetPrefix+"logged", store.ReadOptions{History: true}, func(_ uint64, e []byte) error {
		if strings.Contains(string(e), token) {
			t.Errorf("the receiver log holds the secret: %s", e)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := h.st.Dataset(LogDatasetPrefix + "quiet"); ok {
		t.Error("a pipe without logging has a receiver log")
	}
}

// TestReceiverLogTrace: Sesam's "trace" turns on the same log.
func TestReceiverLogTrace(t *testing.T) {
	h := newHarness(t, `[{"_id": "traced", "type": "pipe", "source": {"type": "http_endpoint", "trace": true}}]`)
	expect(t, h.post("traced", "", "application/json", `{"_id": "a"}`), http.StatusOK)
	if log := h.entities(LogDatasetPrefix + "traced"); len(log) != 1 || log[0]["outcome"] != OutcomeOK {
		t.Fatalf("log: %v", log)
	}
}
