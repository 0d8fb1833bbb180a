package webhooksink_test

import (
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/engine"
)

func TestBatchesInOrderOneAtATime(t *testing.T) {
	inFlight := 0
	var overlap bool
	var mu sync.Mutex
	rc := newReceiver(t)
	rc.Handle(func(_ int, w http.ResponseWriter, _ *http.Request) bool {
		mu.Lock()
		inFlight++
		if inFlight > 1 {
			overlap = true
		}
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
		return false
	})
	h := newHarness(t, sinkPipe(rc.URL, `"batch_size": 2`))
	h.put("src", `{"_id":"a","n":1}`, `{"_id":"b","n":2}`, `{"_id":"c","n":3}`, `{"_id":"d","n":4}`, `{"_id":"e","n":5}`)
	sum := h.run("out", engine.RunOptions{})
	reqs := rc.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	if overlap {
		t.Error("a request was sent before the previous one was answered")
	}
	if got, want := ops(t, rc), []string{"upsert:a", "upsert:b", "upsert:c", "upsert:d", "upsert:e"}; !slices.Equal(got, want) {
		t.Errorf("records %v, want %v", got, want)
	}
	if sum.Written != 5 || sum.Read != 5 {
		t.Errorf("summary %+v", sum)
	}
	// A rerun sends nothing: the endpoint has everything.
	h.run("out", engine.RunOptions{Full: true})
	if n := len(rc.Requests()); n != 3 {
		t.Errorf("a full rerun sent %d more requests", n-3)
	}
}
