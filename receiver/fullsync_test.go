package receiver

import (
	"net/http"
	"testing"
)

const pushConfig = `[
{"_id": "myendpoint", "type": "pipe", "source": {"type": "http_endpoint"},
 "sink": {"type": "dataset", "dataset": "mydataset"}},
{"_id": "notrack", "type": "pipe", "source": {"type": "http_endpoint"},
 "sink": {"type": "dataset", "deletion_tracking": false}}
]`

func (h *harness) deleted(dataset string) map[string]bool {
	out := map[string]bool{}
	for id, e := range h.latest(dataset) {
		out[id] = e["_deleted"] == true
	}
	return out
}

// TestFullSyncSesamExamples replays the examples of Sesam's JSON push
// protocol document.
func TestFullSyncSesamExamples(t *testing.T) {
	h := newHarness(t, pushConfig)
	post := func(query, body string) response { return h.post("myendpoint", query, "application/json", body) }

	// Example 0: incremental.
	expect(t, post("", `[{"_id": "a", "name": "A"}, {"_id": "b", "name": "B"}]`), 200)
	// Example 1: a full sync in three requests.
	expect(t, post("is_full=true&sequence_id=1&request_id=1&is_first=true", `[{"_id": "b", "name": "B"}]`), 200)
	expect(t, post("is_full=true&sequence_id=1&request_id=2&previous_request_id=1", `[{"_id": "a", "name": "A (updated)"}, {"_id": "c", "name": "C"}]`), 200)
	expect(t, post("is_full=true&sequence_id=1&request_id=3&previous_request_id=2&is_last=true", `[{"_id": "d", "name": "D"}]`), 200)
	if n := h.versions("mydataset"); n != 5 {
		t.Fatalf("%d versions after example 1, want 5", n)
	}
	for id, del := range h.deleted("mydataset") {
		if del {
			t.Errorf("%s deleted after example 1", id)
		}
	}
	// Example 2: what the sequence does not send is deleted at is_last.
	expect(t, post("is_full=true&sequence_id=2&request_id=1&is_first=true", `[{"_id": "a", "name": "A"}, {"_id": "b", "name": "B"}]`), 200)
	if got := h.deleted("mydataset"); got["c"] {
		t.Fatal("c deleted before is_last")
	}
	expect(t, post("is_full=true&sequence_id=2&request_id=2&previous_request_id=1&is_last=true", `[{"_id": "d", "name": "D"}]`), 200)
	got := h.deleted("mydataset")
	if !got["c"] || got["a"] || got["b"] || got["d"] {
		t.Errorf("deleted after example 2: %v, want only c", got)
	}
	if n := h.versions("mydataset"); n != 7 {
		t.Errorf("%d versions after example 2, want 7", n)
	}
	// The sequence is over: a request of it now conflicts.
	expect(t, post("is_full=true&sequence_id=2&request_id=3&previous_request_id=2", `[]`), 409, "is_first=true")
}

func TestFullSyncConflicts(t *testing.T) {
	h := newHarness(t, pushConfig)
	post := func(query, body string) response { return h.post("myendpoint", query, "application/json", body) }
	expect(t, post("", `[{"_id": "old"}]`), 200)
	expect(t, post("is_full=true&sequence_id=s1&request_id=r1&is_first=true", `[{"_id": "a"}]`), 200)
	expect(t, post("is_full=true&sequence_id=s1&request_id=r2&previous_request_id=r1", `[{"_id": "b"}]`), 200)
	before := h.versions("mydataset")

	conflicts := []struct{ name, query, want string }{
		{"broken chain", "is_full=true&sequence_id=s1&request_id=r4&previous_request_id=r3", `previous_request_id "r3" does not match`},
		{"no previous", "is_full=true&sequence_id=s1&request_id=r4", `previous_request_id "" does not match`},
		{"unknown sequence", "is_full=true&sequence_id=s9&request_id=r2&previous_request_id=r1", `sequence_id "s9"`},
		{"is_first again", "is_full=true&sequence_id=s1&request_id=r3&is_first=true", "already under way"},
		{"is_full changed", "is_full=false&sequence_id=s1&request_id=r3&previous_request_id=r2", "is_full=false"},
	}
	for _, c := range conflicts {
		t.Run(c.name, func(t *testing.T) {
			expect(t, post(c.query, `[{"_id": "x"}]`), http.StatusConflict, c.want)
			if n := h.versions("mydataset"); n != before {
				t.Errorf("%d versions written by a conflicting request", n-before)
			}
			if o := h.lastOutcome(); o.outcome != OutcomeConflict {
				t.Errorf("outcome %q", o.outcome)
			}
		})
	}
	expect(t, post("is_full=true&request_id=r3", `[]`), 400, "sequence_id")

	// A retried request (its answer lost) is written again and the chain
	// goes on from it.
	expect(t, post("is_full=true&sequence_id=s1&request_id=r2&previous_request_id=r1", `[{"_id": "b"}]`), 200)
	expect(t, post("is_full=true&sequence_id=s1&request_id=r3&previous_request_id=r2&is_last=true", `[]`), 200)
	got := h.deleted("mydataset")
	if !got["old"] || got["a"] || got["b"] {
		t.Errorf("deleted: %v, want only old", got)
	}
	if _, ok := got["x"]; ok {
		t.Error("x, sent only by conflicting requests, was written")
	}
}

func TestFullSyncNewSequenceReplacesOld(t *testing.T) {
	h := newHarness(t, pushConfig)
	post := func(query, body string) response { return h.post("myendpoint", query, "application/json", body) }
	expect(t, post("is_full=true&sequence_id=s1&request_id=1&is_first=true", `[{"_id": "a"}, {"_id": "b"}]`), 200)
	// s1 is abandoned; s2 starts over and only it counts.
	expect(t, post("is_full=true&sequence_id=s2&request_id=1&is_first=true", `[{"_id": "b"}]`), 200)
	expect(t, post("is_full=true&sequence_id=s1&request_id=2&previous_request_id=1&is_last=true", `[]`), 409)
	expect(t, post("is_full=true&sequence_id=s2&request_id=2&previous_request_id=1&is_last=true", `[{"_id": "c"}]`), 200)
	got := h.deleted("mydataset")
	if !got["a"] || got["b"] || got["c"] {
		t.Errorf("deleted: %v, want only a", got)
	}
	// Incremental requests in between leave a sequence alone.
	expect(t, post("is_full=true&sequence_id=s3&request_id=1&is_first=true", `[{"_id": "b"}]`), 200)
	expect(t, post("", `[{"_id": "inc"}]`), 200)
	expect(t, post("is_full=true&sequence_id=s3&request_id=2&previous_request_id=1&is_last=true&is_first=false", `[]`), 200)
	got = h.deleted("mydataset")
	if !got["inc"] || !got["c"] || got["b"] {
		t.Errorf("deleted: %v, want inc and c deleted, b not", got)
	}
}

func TestFullSyncWithoutDeletionTracking(t *testing.T) {
	h := newHarness(t, pushConfig)
	post := func(query, body string) response { return h.post("notrack", query, "application/json", body) }
	expect(t, post("", `[{"_id": "a"}]`), 200)
	expect(t, post("is_full=true&sequence_id=s&request_id=1&is_first=true&is_last=true", `[{"_id": "b"}]`), 200)
	if got := h.deleted("notrack"); got["a"] || got["b"] {
		t.Errorf("deleted: %v, want nothing (deletion_tracking false)", got)
	}
	// The chain is still checked.
	expect(t, post("is_full=true&sequence_id=t&request_id=1&is_first=true", `[]`), 200)
	expect(t, post("is_full=true&sequence_id=t&request_id=3&previous_request_id=2", `[]`), 409)
}
