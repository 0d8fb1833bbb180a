package e2e

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/internal/testkit"
)

// syncB receives pushed entities into "inbox" and publishes them.
const syncB = `[
  {"_id": "inbox", "type": "pipe", "source": {"type": "http_endpoint"}},
  {"_id": "pub", "type": "pipe", "pump": {"mode": "manual"}, "source": {"type": "dataset", "dataset": "inbox"}, "sink": {"type": "http_endpoint"}}
]`

// syncA pushes its feed to B with the json sink (every run of an embedded
// source is a full sync) and pulls B's publisher back with the json
// source.
const syncA = `[
  {"_id": "b", "type": "system:url", "url_pattern": "%s/api/%%s", "headers": {"X-From": "a"}},
  {"_id": "push", "type": "pipe", "pump": {"mode": "manual"},
   "source": {"type": "embedded", "entities": %s},
   "sink": {"type": "json", "system": "b", "url": "receivers/inbox/entities", "batch_size": 2}},
  {"_id": "pull", "type": "pipe", "pump": {"mode": "manual"},
   "source": {"type": "json", "system": "b", "url": "publishers/pub/entities", "supports_since": true, "is_chronological": true}}
]`

// start runs a pipe of a service through its API and returns the summary.
func (s *service) start(t *testing.T, pipe string) summary {
	t.Helper()
	code, body := s.do(t, "POST", "/api/pipes/"+pipe+"/pump", "application/x-www-form-urlencoded", "operation=start&wait=true")
	var sum summary
	if code != 200 || json.Unmarshal([]byte(body), &sum) != nil || sum.Status != "completed" {
		t.Fatalf("start %s: %d %s\n%s", pipe, code, body, s.stderr)
	}
	return sum
}

// dataset lists a dataset's latest versions through the API as
// "_id:live" or "_id:deleted", sorted.
func (s *service) dataset(t *testing.T, name string) string {
	t.Helper()
	code, body := s.do(t, "GET", "/api/datasets/"+name+"/entities", "", "")
	var es []map[string]any
	if code != 200 || json.Unmarshal([]byte(body), &es) != nil {
		t.Fatalf("dataset %s: %d %s", name, code, body)
	}
	latest := map[string]string{}
	for _, e := range es {
		state := "live"
		if e["_deleted"] == true {
			state = "deleted"
		}
		latest[e["_id"].(string)] = state
	}
	var out []string
	for id, state := range latest {
		out = append(out, id+":"+state)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// TestJSONSyncBetweenInstances: two `sluice run` instances with data
// folders of their own. A's json sink pushes full syncs to B's receiver,
// and an entity A's source no longer has is deleted in B; A's json source
// pulls B's dataset back through B's publisher.
func TestJSONSyncBetweenInstances(t *testing.T) {
	cfgB, dataB := t.TempDir(), filepath.Join(t.TempDir(), "data")
	testkit.WriteFile(t, filepath.Join(cfgB, "pipes.json"), syncB)
	b := startService(t, "--config", cfgB, "--data", dataB)

	cfgA, dataA := t.TempDir(), filepath.Join(t.TempDir(), "data")
	feed := func(ids ...string) {
		var es []string
		for _, id := range ids {
			es = append(es, fmt.Sprintf(`{"_id": %q, "name": %q}`, id, strings.ToUpper(id)))
		}
		testkit.WriteFile(t, filepath.Join(cfgA, "pipes.json"), fmt.Sprintf(syncA, b.url, "["+strings.Join(es, ", ")+"]"))
	}
	feed("x", "y", "z")
	a := startService(t, "--config", cfgA, "--data", dataA)

	if sum := a.start(t, "push"); !sum.Full || sum.Read != 3 || sum.Written != 3 {
		t.Fatalf("the first push: %v", sum)
	}
	if got := b.dataset(t, "inbox"); got != "x:live y:live z:live" {
		t.Fatalf("B after the first sync: %s", got)
	}

	// y leaves A's source: the next full sync does not send it, and B
	// deletes it when the sequence ends.
	feed("x", "z")
	if code, body := a.do(t, "POST", "/api/config/reload", "", ""); code != 200 {
		t.Fatalf("reload A: %d %s", code, body)
	}
	if sum := a.start(t, "push"); !sum.Full || sum.Read != 2 {
		t.Fatalf("the second push: %v", sum)
	}
	if got := b.dataset(t, "inbox"); got != "x:live y:deleted z:live" {
		t.Fatalf("B after the full sync without y: %s", got)
	}

	// Back through B's publisher into A, deletion included.
	b.start(t, "pub")
	if sum := a.start(t, "pull"); sum.Read != 3 || sum.Written != 3 {
		t.Fatalf("pull: %v", sum)
	}
	if got := a.dataset(t, "pull"); got != "x:live y:deleted z:live" {
		t.Fatalf("A's copy of B: %s", got)
	}
	if sum := a.start(t, "pull"); sum.Read != 0 || string(sum.Offset) != "2" {
		t.Fatalf("an incremental pull with nothing new: %v", sum)
	}

	a.stop(t)
	b.stop(t)
	if es := byID(t, entities(t, dataA, "pull")); len(es) != 3 || es["z"]["name"] != "Z" || !es["y"].deleted() {
		t.Fatalf("after stopping, A's dataset pull holds %v", es)
	}
}
