package receiver

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/engine"
)

const publishConfig = `[
{"_id": "relay", "type": "pipe", "source": {"type": "http_endpoint"}, "sink": {"type": "http_endpoint"}},
{"_id": "export", "type": "pipe", "source": {"type": "embedded", "entities": [{"_id": "e1"}, {"_id": "e2", "x": 1}]},
 "sink": {"type": "http_endpoint", "filename": "export.json"}},
{"_id": "plain", "type": "pipe", "source": {"type": "http_endpoint"}}
]`

// publish GETs a publisher and decodes the array.
func (h *harness) publish(pipe, query string) (response, []map[string]any) {
	h.t.Helper()
	r := h.get("/api/publishers/" + pipe + "/entities?" + query)
	if r.status != http.StatusOK {
		return r, nil
	}
	var es []map[string]any
	if err := json.Unmarshal([]byte(r.body), &es); err != nil {
		h.t.Fatalf("publisher body %q: %v", r.body, err)
	}
	return r, es
}

func ids(es []map[string]any) string {
	var s []string
	for _, e := range es {
		s = append(s, fmt.Sprint(e["_id"]))
	}
	return strings.Join(s, ",")
}

func TestPublisherPaging(t *testing.T) {
	h := newHarness(t, publishConfig)

	// Before anything arrives: an empty array.
	r, es := h.publish("relay", "")
	if r.status != 200 || len(es) != 0 || r.header.Get("X-Dataset-Id") != "relay" || r.header.Get("X-Dataset-Populated") != "false" ||
		r.header.Get("X-Dataset-Entities") != "0" || r.header.Get("X-Dataset-Last-Offset") != "" || r.header.Get("X-Dataset-Completeness") != "" {
		t.Fatalf("empty publisher: %d %v %s", r.status, r.header, r.body)
	}

	var batch []string
	for i := range 5 {
		batch = append(batch, fmt.Sprintf(`{"_id": "e%d", "n": %d}`, i, i))
	}
	expect(t, h.post("relay", "", "application/json", "["+strings.Join(batch, ",")+"]"), 200)                            // offsets 0-4
	expect(t, h.post("relay", "", "application/json", `[{"_id": "e1", "n": 10}, {"_id": "e3", "_deleted": true}]`), 200) // 5, 6

	// Latest versions only, deleted ones included, in offset order.
	r, es = h.publish("relay", "")
	if got := ids(es); got != "e0,e2,e4,e1,e3" {
		t.Errorf("all: %s", got)
	}
	if r.header.Get("X-Dataset-Last-Offset") != "6" || r.header.Get("X-Dataset-Entities") != "5" || r.header.Get("X-Dataset-Populated") != "true" {
		t.Errorf("headers: %v", r.header)
	}
	if c := fmt.Sprint(h.st.Completeness("relay")); r.header.Get("X-Dataset-Completeness") != c {
		t.Errorf("X-Dataset-Completeness %q, want the dataset's %s", r.header.Get("X-Dataset-Completeness"), c)
	}
	if es[4]["_deleted"] != true || es[3]["n"] != 10.0 || es[3]["_updated"] != 5.0 {
		t.Errorf("entities: %v", es)
	}

	// Paging: since is exclusive.
	r, es = h.publish("relay", "limit=2")
	if ids(es) != "e0,e2" || r.header.Get("X-Dataset-Last-Offset") != "2" {
		t.Errorf("page 1: %s, last offset %s", ids(es), r.header.Get("X-Dataset-Last-Offset"))
	}
	r, es = h.publish("relay", "since=2&limit=2")
	if ids(es) != "e4,e1" || r.header.Get("X-Dataset-Last-Offset") != "5" {
		t.Errorf("page 2: %s, last offset %s", ids(es), r.header.Get("X-Dataset-Last-Offset"))
	}
	r, es = h.publish("relay", "since=5&limit=2")
	if ids(es) != "e3" || r.header.Get("X-Dataset-Last-Offset") != "6" {
		t.Errorf("page 3: %s, last offset %s", ids(es), r.header.Get("X-Dataset-Last-Offset"))
	}
	r, es = h.publish("relay", "since=6")
	if len(es) != 0 || r.header.Get("X-Dataset-Last-Offset") != "6" {
		t.Errorf("past the end: %s, last offset %s", ids(es), r.header.Get("X-Dataset-Last-Offset"))
	}
	r, es = h.publish("relay", "deleted=false")
	if ids(es) != "e0,e2,e4,e1" {
		t.Errorf("deleted=false: %s", ids(es))
	}
	if r.header.Get("Content-Disposition") != "" || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Errorf("headers: %v", r.header)
	}
	// A huge limit is capped, not refused.
	if r, es = h.publish("relay", "limit=100000000"); r.status != 200 || len(es) != 5 {
		t.Errorf("huge limit: %d, %d entities", r.status, len(es))
	}
}

func TestPublisherErrors(t *testing.T) {
	h := newHarness(t, publishConfig)
	for _, c := range []struct {
		path   string
		status int
		want   string
	}{
		{"/api/publishers/nope/entities", 404, `no pipe "nope"`},
		{"/api/publishers/plain/entities", 404, `its sink is of type "dataset", not "http_endpoint"`},
		{"/api/publishers/relay/entities?since=x", 400, "since"},
		{"/api/publishers/relay/entities?since=-1", 400, "since"},
		{"/api/publishers/relay/entities?limit=0", 400, "limit"},
		{"/api/publishers/relay/entities?limit=ten", 400, "limit"},
		{"/api/publishers/relay/entities?deleted=maybe", 400, "deleted"},
	} {
		expect(t, h.get(c.path), c.status, c.want)
	}
}

func TestPublisherOfPumpedPipe(t *testing.T) {
	h := newHarness(t, publishConfig)
	if _, err := h.eng.Run(context.Background(), "export", engine.RunOptions{}); err != nil {
		t.Fatal(err)
	}
	r, es := h.publish("export", "")
	if ids(es) != "e1,e2" || r.header.Get("X-Dataset-Populated") != "true" {
		t.Errorf("export: %s %v", ids(es), r.header)
	}
	if cd := r.header.Get("Content-Disposition"); cd != `attachment; filename="export.json"` {
		t.Errorf("Content-Disposition %q", cd)
	}
}

func TestHTTPEndpointSinkConfig(t *testing.T) {
	for cfg, want := range map[string]string{
		`{"type": "http_endpoint", "content_disposition": "download"}`: `/0/sink/content_disposition: content_disposition must be "attachment" or "inline"`,
		`{"type": "http_endpoint", "dataset": "x"}`:                    `/0/sink/dataset: unknown property "dataset"`,
		`{"type": "http_endpoint", "filename": "a/b.json"}`:            `/0/sink/filename: filename must not contain`,
	} {
		msg := loadErrors(t, `[{"_id": "p", "type": "pipe", "source": {"type": "http_endpoint"}, "sink": `+cfg+`}]`)
		if !strings.Contains(msg, want) {
			t.Errorf("errors:\n%s\ndo not contain %q", msg, want)
		}
	}
}
