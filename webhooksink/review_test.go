package webhooksink_test

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sluice-sync/sluice/engine"
)

// embeddedPipe is a mirror pipe from an embedded source to url, with extra
// sink settings.
func embeddedPipe(url, entities, extra string) string {
	return `{"_id": "out", "type": "pipe", "source": {"type": "embedded", "entities": [` + entities + `]},
	  "sink": {"type": "webhook", "url": "` + url + `", "secret": "` + testSecret + `", "sync_mode": "mirror",
	           "retry": {"max_attempts": 1, "timeout": 2}` + extra + `}}`
}

// A full run's change that ends as a dead letter still counts as seen: the
// run's sweep must not delete the entity at the endpoint.
func TestDeadLetterInFullRunIsNotSweptAway(t *testing.T) {
	rc := newReceiver(t)
	var fail atomic.Bool
	rc.Handle(func(_ int, w http.ResponseWriter, r *http.Request) bool {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if fail.Load() && strings.Contains(string(body), `"v":2`) {
			http.Error(w, "no", http.StatusInternalServerError)
			return true
		}
		return false
	})
	h := newHarness(t, embeddedPipe(rc.URL, `{"_id":"x","v":1},{"_id":"y","v":1}`, `, "on_failure": "dead-letter", "batch_size": 1`))
	h.run("out", engine.RunOptions{Full: true})
	fail.Store(true)
	h.load(embeddedPipe(rc.URL, `{"_id":"x","v":2},{"_id":"y","v":1}`, `, "on_failure": "dead-letter", "batch_size": 1`))
	h.run("out", engine.RunOptions{Full: true})
	if got := ops(t, rc); slices.Contains(got, "delete:x") {
		t.Errorf("the sweep deleted x, which exists upstream: %v", got)
	}
}

// A sweep that fails leaves nothing counted as sent: the next run sends
// the deletes again.
func TestFailedSweepIsSentAgain(t *testing.T) {
	rc := newReceiver(t)
	var fail atomic.Bool
	rc.Handle(func(_ int, w http.ResponseWriter, r *http.Request) bool {
		if fail.Load() {
			http.Error(w, "no", http.StatusInternalServerError)
			return true
		}
		return false
	})
	h := newHarness(t, embeddedPipe(rc.URL, `{"_id":"x"},{"_id":"y"},{"_id":"z"}`, ""))
	h.run("out", engine.RunOptions{})
	h.load(embeddedPipe(rc.URL, `{"_id":"x"},{"_id":"z"}`, ""))
	fail.Store(true)
	runErr(t, h, "out", "not delivered")
	fail.Store(false)
	h.run("out", engine.RunOptions{})
	if got := ops(t, rc); !slices.Equal(got, []string{"upsert:x", "upsert:y", "upsert:z", "delete:y"}) {
		t.Errorf("sent %v", got)
	}
}

// Delete mode holds what it has seen, so max_delete_ratio works, and an
// entity deleted, re-created and deleted again is deleted twice.
func TestDeleteModeHoldsWhatItSaw(t *testing.T) {
	rc := newReceiver(t)
	h := newHarness(t, sinkPipe(rc.URL, `"sync_mode": "delete", "max_delete_ratio": 0.5`))
	h.put("src", `{"_id":"a"}`, `{"_id":"b"}`, `{"_id":"c"}`, `{"_id":"d"}`)
	h.run("out", engine.RunOptions{})
	h.put("src", `{"_id":"a","_deleted":true}`)
	h.run("out", engine.RunOptions{})
	h.put("src", `{"_id":"a","v":2}`)
	h.run("out", engine.RunOptions{})
	h.put("src", `{"_id":"a","_deleted":true}`)
	h.run("out", engine.RunOptions{})
	if got := ops(t, rc); !slices.Equal(got, []string{"delete:a", "delete:a"}) {
		t.Errorf("sent %v", got)
	}
	h.put("src", `{"_id":"b","_deleted":true}`, `{"_id":"c","_deleted":true}`, `{"_id":"d","_deleted":true}`)
	runErr(t, h, "out", "max_delete_ratio")
}

// What a DTL filter drops is a deletion for the endpoint.
func TestFilteredEntitiesAreDeletions(t *testing.T) {
	rc := newReceiver(t)
	h := newHarness(t, `{"_id": "out", "type": "pipe", "source": {"type": "dataset", "dataset": "src"},
	  "transform": {"type": "dtl", "rules": {"default": [["copy", "*"], ["filter", ["eq", "_S.keep", true]]]}},
	  "sink": {"type": "webhook", "url": "`+rc.URL+`", "secret": "`+testSecret+`", "sync_mode": "mirror"}}`)
	h.put("src", `{"_id":"a","keep":true}`, `{"_id":"b","keep":false}`)
	h.run("out", engine.RunOptions{})
	h.put("src", `{"_id":"a","keep":false}`)
	h.run("out", engine.RunOptions{})
	if got := ops(t, rc); !slices.Equal(got, []string{"upsert:a", "delete:a"}) {
		t.Errorf("sent %v", got)
	}
}

// In append mode a batch may hold an entity's versions v1, v2, v1, v2:
// each message gets a webhook-id of its own.
func TestAppendVersionsInOneBatchHaveTheirOwnIDs(t *testing.T) {
	rc := newReceiver(t)
	h := newHarness(t, `{"_id": "out", "type": "pipe", "source": {"type": "dataset", "dataset": "src", "include_previous_versions": true},
	  "sink": {"type": "webhook", "url": "`+rc.URL+`", "secret": "`+testSecret+`", "sync_mode": "append", "batch_size": 1}, "batch_size": 10}`)
	for _, v := range []string{"1", "2", "1", "2"} {
		h.put("src", `{"_id":"a","v":`+v+`}`)
	}
	h.run("out", engine.RunOptions{})
	var ids []string
	for _, r := range rc.Requests() {
		ids = append(ids, r.Header.Get("webhook-id"))
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Errorf("webhook-id %s used twice: %v", id, strings.Join(ids, " "))
		}
		seen[id] = true
	}
	if len(ids) != 4 {
		t.Errorf("%d requests, want 4", len(ids))
	}
}
