package webhooksink_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

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

// try is one attempt as a receiver's answer hook saw it, answered or not.
type try struct {
	ID     string    // its webhook-id
	At     time.Time // when it arrived
	Result string    // what the receiver did with it
}

// tries records every attempt a receiver sees, failed ones included.
type tries struct {
	mu   sync.Mutex
	list []try
}

// add records an attempt and returns its index (from 0).
func (tr *tries) add(r *http.Request, result string) int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.list = append(tr.list, try{ID: r.Header.Get("webhook-id"), At: time.Now(), Result: result})
	return len(tr.list) - 1
}

// mark sets what became of attempt n.
func (tr *tries) mark(n int, result string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.list[n].Result = result
}

func (tr *tries) all() []try {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]try(nil), tr.list...)
}

// rawReceiver records every request without verifying it (for a secret
// the test learns only after the requests were sent) and answers 204.
type rawReceiver struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []got
}

func newRawReceiver(t *testing.T) *rawReceiver {
	t.Helper()
	rc := &rawReceiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, got{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: string(b)})
		rc.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *rawReceiver) requests() []got {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]got(nil), rc.reqs...)
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
func reqIDs(reqs []got) []string {
	out := make([]string, len(reqs))
	for i, g := range reqs {
		out[i] = g.Header.Get("webhook-id")
	}
	return out
}
