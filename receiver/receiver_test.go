package receiver

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/engine"
)

const basicConfig = `[
{"_id": "in", "type": "pipe", "source": {"type": "http_endpoint"}},
{"_id": "small", "type": "pipe", "source": {"type": "http_endpoint", "max_body_bytes": 64}},
{"_id": "off", "type": "pipe", "source": {"type": "http_endpoint"}, "pump": {"mode": "off"}},
{"_id": "closed", "type": "pipe", "source": {"type": "http_endpoint", "disabled": true}},
{"_id": "emb", "type": "pipe", "source": {"type": "embedded", "entities": [{"_id": "x"}]}},
{"_id": "shaped", "type": "pipe", "source": {"type": "http_endpoint"},
 "transform": {"type": "dtl", "rules": {"default": [["add", "_id", "_S.code"], ["copy", "*"]]}},
 "sink": {"type": "dataset", "dataset": "shaped-out"}}
]`

func TestReceiveWritesEntities(t *testing.T) {
	h := newHarness(t, basicConfig)

	r := h.post("in", "", "application/json", `{"_id": "a", "n": 1}`)
	expect(t, r, http.StatusOK)
	if strings.TrimSpace(r.body) != "{}" {
		t.Errorf("body %q, want {}", r.body)
	}
	if r.header.Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id")
	}
	expect(t, h.post("in", "", "application/json; charset=utf-8", `[{"_id": "b"}, {"_id": "c", "x": [1, {"y": "z"}]}]`), http.StatusOK)
	expect(t, h.post("in", "", "application/x-ndjson", "{\"_id\": \"d\"}\n\n{\"_id\": \"e\"}\n"), http.StatusOK)
	expect(t, h.post("in", "", "application/json", `[]`), http.StatusOK)
	got := h.latest("in")
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		if got[id] == nil {
			t.Errorf("entity %q was not written; have %v", id, got)
		}
	}
	if o := h.lastOutcome(); o.outcome != OutcomeOK || o.pipe != "in" {
		t.Errorf("observed %+v", o)
	}
	if info, _ := h.st.Dataset("in"); !info.Populated {
		t.Error("auto_populate_dataset did not mark the dataset populated")
	}

	// The transforms run, and may give the entities their _id.
	expect(t, h.post("shaped", "", "application/json", `[{"code": "k1", "v": 1}, {"code": "k2"}]`), http.StatusOK)
	if got := h.latest("shaped-out"); got["k1"] == nil || got["k2"] == nil || got["k1"]["v"] != 1.0 {
		t.Errorf("shaped-out holds %v", got)
	}
}

func TestReceiveStatusCodes(t *testing.T) {
	h := newHarness(t, basicConfig)
	big := `[{"_id": "big", "pad": "` + strings.Repeat("x", 100) + `"}]`
	tests := []struct {
		name, pipe, contentType, body string
		status                        int
		outcome                       string
		want                          []string
	}{
		{"unknown pipe", "nope", "application/json", `{"_id": "a"}`, 404, OutcomeNotFound, []string{`no pipe "nope"`}},
		{"not a receiver", "emb", "application/json", `{"_id": "a"}`, 404, OutcomeNotFound, []string{"http_endpoint", `"embedded"`}},
		{"pump off", "off", "application/json", `{"_id": "a"}`, 503, OutcomeDisabled, []string{`pump mode is "off"`}},
		{"source disabled", "closed", "application/json", `{"_id": "a"}`, 503, OutcomeDisabled, []string{"disabled"}},
		{"no content type", "in", "", `{"_id": "a"}`, 415, OutcomeUnsupportedMediaType, []string{"Content-Type"}},
		{"form content type", "in", "application/x-www-form-urlencoded", `{"_id": "a"}`, 415, OutcomeUnsupportedMediaType, []string{"application/x-www-form-urlencoded"}},
		{"text", "in", "text/plain", `{"_id": "a"}`, 415, OutcomeUnsupportedMediaType, nil},
		{"too large", "small", "application/json", big, 413, OutcomeTooLarge, []string{"64 bytes", "max_body_bytes"}},
		{"malformed", "in", "application/json", "[\n  {\"_id\": \"a\",}\n]", 400, OutcomeBadRequest, []string{"malformed JSON", "line 2, column"}},
		{"truncated", "in", "application/json", `[{"_id": "a"}`, 400, OutcomeBadRequest, []string{"malformed JSON", "end of input"}},
		{"trailing data", "in", "application/json", `{"_id": "a"} {"_id": "b"}`, 400, OutcomeBadRequest, []string{"line 1, column 14", "after the top-level value"}},
		{"empty", "in", "application/json", ``, 400, OutcomeBadRequest, []string{"empty"}},
		{"scalar body", "in", "application/json", `"a"`, 400, OutcomeBadRequest, []string{"a string"}},
		{"non-object item", "in", "application/json", `[{"_id": "a"}, 7]`, 400, OutcomeBadRequest, []string{"item 1", "a number", "not an object"}},
		{"duplicate key", "in", "application/json", `[{"_id": "a", "k": 1, "k": 2}]`, 400, OutcomeBadRequest, []string{`duplicate key "k"`, "/0/k"}},
		{"invalid UTF-8", "in", "application/json", "[{\"_id\": \"a\xff\"}]", 400, OutcomeBadRequest, []string{"UTF-8"}},
		{"no _id", "in", "application/json", `[{"_id": "a"}, {"name": "x"}]`, 400, OutcomeBadRequest, []string{"item 1", "_id"}},
		{"numeric _id", "in", "application/json", `{"_id": 5}`, 400, OutcomeBadRequest, []string{"_id"}},
		{"ndjson non-object", "in", "application/x-ndjson", "{\"_id\": \"a\"}\n[1]\n", 400, OutcomeBadRequest, []string{"line 2", "not an object"}},
		{"ndjson malformed", "in", "application/x-ndjson", "{\"_id\": \"a\"}\n{\"_id\" \"b\"}\n", 400, OutcomeBadRequest, []string{"line 2, column"}},
		{"bad is_full", "in", "application/json", `{"_id": "a"}`, 400, OutcomeBadRequest, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			query := ""
			if tc.name == "bad is_full" {
				query = "is_full=perhaps"
			}
			before := h.versions(tc.pipe)
			r := h.post(tc.pipe, query, tc.contentType, tc.body)
			expect(t, r, tc.status, tc.want...)
			if after := h.versions(tc.pipe); after != before {
				t.Errorf("%d versions written", after-before)
			}
			if o := h.lastOutcome(); o.outcome != tc.outcome || o.pipe != tc.pipe {
				t.Errorf("observed %+v, want outcome %q", o, tc.outcome)
			}
		})
	}

	// Too large without a Content-Length (chunked): MaxBytesReader stops it.
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/api/receivers/small/entities", struct{ *strings.Reader }{strings.NewReader(big)})
	req.Header.Set("Content-Type", "application/json")
	expect(t, h.do(req), 413, "max_body_bytes")
	if n := h.versions("small"); n != 0 {
		t.Errorf("%d versions written to small", n)
	}
}

func TestReceiveDisabledPipe(t *testing.T) {
	h := newHarness(t, basicConfig)
	if err := h.eng.SetDisabled("in", true); err != nil {
		t.Fatal(err)
	}
	expect(t, h.post("in", "", "application/json", `{"_id": "a"}`), 503, "disabled")
	if err := h.eng.SetDisabled("in", false); err != nil {
		t.Fatal(err)
	}
	expect(t, h.post("in", "", "application/json", `{"_id": "a"}`), 200)
}

func TestReceiveFollowsEngineSwap(t *testing.T) {
	h := newHarness(t, basicConfig)
	old := h.eng
	h.eng = nil
	expect(t, h.post("in", "", "application/json", `{"_id": "a"}`), 503, "not ready")
	h.eng = old
	expect(t, h.post("in", "", "application/json", `{"_id": "a"}`), 200)
}

func TestReceiveWriteErrorIs500(t *testing.T) {
	// The transform gives no _id, so the sink refuses the entity.
	h := newHarness(t, `[{"_id": "bad", "type": "pipe", "source": {"type": "http_endpoint"},
	  "transform": {"type": "dtl", "rules": {"default": [["add", "n", 1]]}}}]`)
	r := h.post("bad", "", "application/json", `{"_id": "a"}`)
	expect(t, r, 500, "_id")
	if h.lastOutcome().outcome != OutcomeError {
		t.Errorf("outcome %+v", h.lastOutcome())
	}
	if _, err := h.eng.Receive(context.Background(), "bad", nil, engine.ReceiveOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestErrorBodyShape(t *testing.T) {
	h := newHarness(t, basicConfig)
	r := h.post("nope", "", "application/json", `{}`)
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatal(err)
	}
	if len(m) != 2 || m["status"] != 404.0 || m["error"] == "" {
		t.Errorf("error body %s", r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
}

// A request that reaches an engine a reload has just closed writes nothing
// and is answered 503 with Retry-After, so the sender retries against the
// new config.
func TestReceiveOnClosedEngine(t *testing.T) {
	h := newHarness(t, basicConfig)
	if err := h.eng.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := h.post("in", "", "application/json", `{"_id": "a"}`)
	expect(t, r, 503, "engine was closed")
	if r.header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After %q, want 1", r.header.Get("Retry-After"))
	}
	if n := h.versions("in"); n != 0 {
		t.Errorf("%d versions written", n)
	}
}

// TestReceiveSetsCompleteness: an accepted request sets the sink dataset's
// completeness to its arrival, or to X-Dataset-Completeness; a refused one
// leaves it.
func TestReceiveSetsCompleteness(t *testing.T) {
	h := newHarness(t, basicConfig)
	before := time.Now().UnixMicro()
	expect(t, h.post("in", "", "application/json", `{"_id": "a"}`), http.StatusOK)
	if c := h.st.Completeness("in"); c < before || c > time.Now().UnixMicro() {
		t.Fatalf("completeness %d, want the request's arrival (after %d)", c, before)
	}
	expect(t, h.post("in", "", "application/json", `{"_id": "b"}`, "X-Dataset-Completeness", "1500000000000000"), http.StatusOK)
	if c := h.st.Completeness("in"); c != 1500000000000000 {
		t.Fatalf("completeness %d, want the header's", c)
	}
	for _, bad := range []string{"soon", "-5", "0"} {
		r := h.post("in", "", "application/json", `{"_id": "c"}`, "X-Dataset-Completeness", bad)
		expect(t, r, http.StatusBadRequest, "X-Dataset-Completeness")
	}
	if c := h.st.Completeness("in"); c != 1500000000000000 {
		t.Fatalf("a refused request changed completeness to %d", c)
	}
	if h.latest("in")["c"] != nil {
		t.Fatal("a refused request wrote its entity")
	}
}
