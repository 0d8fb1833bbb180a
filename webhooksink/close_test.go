package webhooksink_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/webhook"
)

// newConnCounter is a loopback endpoint answering status, whose
// connections are counted (Conns).
func newConnCounter(t *testing.T, status int) *testkit.API {
	t.Helper()
	return testkit.NewAPI(t, func(w http.ResponseWriter, _ *http.Request, _ string) { w.WriteHeader(status) })
}

// waitNoConns fails the test unless every connection to c is closed soon.
func waitNoConns(t *testing.T, c *testkit.API) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		open := c.Conns.Open()
		if open == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d connection(s) still open to the endpoint after Close", open)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// closeSink closes the pipe's sink, failing the test if it errs or takes
// long.
func closeSink(t *testing.T, s component.Closer) time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	if err := s.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return time.Since(start)
}

// After a run, Close leaves no goroutine of the sink's and no connection
// to its endpoint; closing again is harmless.
func TestCloseEndsGoroutinesAndConnections(t *testing.T) {
	srv := newConnCounter(t, http.StatusNoContent)
	h := newHarness(t, sinkPipe(srv.URL, `"batch_size": 2`))
	h.put("src", `{"_id": "a"}`, `{"_id": "b"}`, `{"_id": "c"}`, `{"_id": "d"}`, `{"_id": "e"}`)
	before := goleak.IgnoreCurrent()
	h.run("out", engine.RunOptions{})
	if open, reqs := srv.Conns.Open(), srv.Count(); reqs != 3 || open == 0 {
		t.Fatalf("the run sent %d requests and left %d connections open; want 3 over a kept-alive connection", reqs, open)
	}
	s := hookSink(t, h, "out")
	closeSink(t, s)
	waitNoConns(t, srv)
	goleak.VerifyNone(t, before)
	closeSink(t, s)
	goleak.VerifyNone(t, before)
}

// Close stops a batch that is still being sent in the background (here
// waiting to retry) at once, rather than after its retries.
func TestCloseStopsABatchInFlight(t *testing.T) {
	srv := newConnCounter(t, http.StatusServiceUnavailable)
	h := newHarness(t, `{"_id": "out", "type": "pipe", "source": {"type": "dataset", "dataset": "src"},
	  "sink": {"type": "webhook", "url": "`+srv.URL+`", "secret": "`+testSecret+`",
	           "retry": {"max_attempts": 10, "initial_delay": 30, "max_delay": 60, "timeout": 5}}}`)
	before := goleak.IgnoreCurrent()
	s := hookSink(t, h, "out")
	ctx := context.Background()
	if err := s.RunStarted(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WriteWith(ctx, []entity.Entity{entity.Entity(`{"_id": "a"}`)}, component.Progress{}); err != nil {
		t.Fatal(err)
	}
	// The first attempt is logged once answered, before the wait to retry.
	for deadline := time.Now().Add(10 * time.Second); len(deliveries(t, s, webhook.ListOptions{Attempts: true})) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the batch was never sent")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if took := closeSink(t, s); took > 5*time.Second {
		t.Errorf("Close took %v: it waited for the retries instead of stopping them", took)
	}
	waitNoConns(t, srv)
	goleak.VerifyNone(t, before)
}

// A sink that never sent anything closes, twice, without error.
func TestCloseUnusedSink(t *testing.T) {
	h := newHarness(t, sinkPipe("http://127.0.0.1:1/in", ""))
	before := goleak.IgnoreCurrent()
	s := hookSink(t, h, "out")
	closeSink(t, s)
	closeSink(t, s)
	goleak.VerifyNone(t, before)
}
