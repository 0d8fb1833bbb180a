package receiver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/store"
)

// A hostile request costs the receiver log a few kilobytes at most: a
// refused one is kept as a summary without headers, an accepted one keeps
// at most 50 headers, each cut short.
func TestReceiverLogEntriesAreBounded(t *testing.T) {
	h := newHarness(t, `[{"_id": "logged", "type": "pipe", "source": {"type": "http_endpoint", "logging": true,
	  "validation": {"type": "header", "header": "X-Token", "secret": "$SECRET(token)"}}}]`)
	var big []string
	for i := 0; i < 300; i++ {
		big = append(big, fmt.Sprintf("X-Junk-%03d", i), strings.Repeat("j", 2000))
	}
	expect(t, h.post("logged", "q="+strings.Repeat("z", 5000), "application/json", `{"_id":"a"}`, big...), http.StatusUnauthorized)
	expect(t, h.post("logged", "", "application/json", `{"_id":"a"}`, append(big, "X-Token", testSecrets["token"])...), http.StatusOK)
	var sizes []int
	var entries []map[string]any
	err := h.st.Scan(LogDatasetPrefix+"logged", store.ReadOptions{}, func(_ uint64, e []byte) error {
		sizes = append(sizes, len(e))
		var m map[string]any
		if err := json.Unmarshal(e, &m); err != nil {
			return err
		}
		entries = append(entries, m)
		return nil
	})
	if err != nil || len(entries) != 2 {
		t.Fatalf("%d entries, err %v", len(entries), err)
	}
	refused, accepted := entries[0], entries[1]
	if _, has := refused["headers"]; has || sizes[0] > 2<<10 {
		t.Errorf("refused request kept as %d bytes (headers %v)", sizes[0], refused["headers"] != nil)
	}
	if refused["status"] != 401.0 || refused["error"] == "" || !strings.Contains(refused["query"].(string), "5002 bytes") {
		t.Errorf("refused entry: status %v error %v query %.60v", refused["status"], refused["error"], refused["query"])
	}
	headers, _ := accepted["headers"].(map[string]any)
	if omitted, _ := accepted["headers_omitted"].(float64); len(headers) != 50 || omitted < 250 || sizes[1] > 20<<10 {
		t.Errorf("accepted entry: %d headers, %v omitted, %d bytes", len(headers), accepted["headers_omitted"], sizes[1])
	}
	for name, v := range headers {
		if len(v.(string)) > 300 {
			t.Errorf("header %s kept as %d bytes", name, len(v.(string)))
		}
	}
}

// The receiver log is pruned to its newest logging_max_entries entries as
// requests come in, and pruneLog drops what is older than the age limit.
func TestReceiverLogIsPruned(t *testing.T) {
	h := newHarness(t, `[{"_id": "logged", "type": "pipe", "source": {"type": "http_endpoint", "logging": true,
	  "logging_max_entries": 20}}]`)
	name := LogDatasetPrefix + "logged"
	for i := 0; i < 150; i++ {
		expect(t, h.post("logged", "", "application/json", fmt.Sprintf(`{"_id":"e%d"}`, i)), http.StatusOK)
	}
	// Prunes run after the 1st and the 101st write: 20 kept, then 49 more.
	waitFor(t, func() bool { info, _ := h.st.Dataset(name); return info.Entities <= 20+49 })
	info, _ := h.st.Dataset(name)
	if info.Versions != 150 || info.First < 150-20-49 {
		t.Errorf("log after 150 requests: %+v", info)
	}
	n, err := pruneLog(h.st, name, 1000, time.Now().Add(time.Second))
	if err != nil || n == 0 {
		t.Fatalf("pruning by age: %d, %v", n, err)
	}
	if info, _ := h.st.Dataset(name); info.Entities != 0 || info.First != 150 {
		t.Errorf("after pruning everything older than now: %+v", info)
	}
	expect(t, h.post("logged", "", "application/json", `{"_id":"late"}`), http.StatusOK)
	if got := h.entities(name); len(got) != 1 {
		t.Errorf("%d entries after a new request", len(got))
	}
}
