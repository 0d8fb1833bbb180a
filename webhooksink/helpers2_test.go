package webhooksink_test

import (
	"testing"

	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/webhook"
	"github.com/sluice-sync/sluice/webhooksink"
)

// dlPipe is a pipe "out" from dataset "src" to a webhook sink with a fast,
// fully spelled-out retry schedule; retry and extra are added to the retry
// object and to the sink.
func dlPipe(url, retry, extra string) string {
	if retry != "" {
		retry += ", "
	}
	if extra != "" {
		extra = ", " + extra
	}
	return `{"_id": "out", "type": "pipe", "source": {"type": "dataset", "dataset": "src"},
	  "sink": {"type": "webhook", "url": "` + url + `", "secret": "` + testSecret + `",
	           "retry": {` + retry + `"initial_delay": 0.01, "max_delay": 0.05, "max_age": 60}` + extra + `}}`
}

// hookSink is the webhook sink of the harness's pipe.
func hookSink(t *testing.T, h *harness, pipe string) *webhooksink.Sink {
	t.Helper()
	p, err := h.eng.Pipe(pipe)
	if err != nil {
		t.Fatal(err)
	}
	s, ok := p.Sink.(*webhooksink.Sink)
	if !ok {
		t.Fatalf("pipe %s has sink %T", pipe, p.Sink)
	}
	return s
}

// lastSeen is the pipe's stored offset.
func lastSeen(t *testing.T, h *harness, pipe string) string {
	t.Helper()
	st, err := h.st.PipeState(pipe)
	if err != nil {
		t.Fatal(err)
	}
	return st.LastSeen
}

// deliveries lists a sink's log (or dead letters) and fails the test on error.
func deliveries(t *testing.T, s *webhooksink.Sink, opts webhook.ListOptions) []webhook.Delivery {
	t.Helper()
	ds, err := s.Deliveries(opts)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// withID keeps the deliveries of one webhook-id.
func withID(ds []webhook.Delivery, id string) []webhook.Delivery {
	var out []webhook.Delivery
	for _, d := range ds {
		if d.WebhookID == id {
			out = append(out, d)
		}
	}
	return out
}

// reqIDs lists the webhook-ids of requests.
func reqIDs(reqs []testkit.Request) []string {
	out := make([]string, len(reqs))
	for i, g := range reqs {
		out[i] = g.Header.Get("webhook-id")
	}
	return out
}
