package component

import (
	"context"
	"sync"
	"time"
)

// Trace collects the HTTP requests that traced components (the rest
// source, transform and sink with "trace") make during one run. The engine
// carries it in the run's context, so components need not know about
// runs, and writes what it holds into the run's pump-completed or
// pump-failed event. It keeps the first limit requests and counts the
// rest, so a long run cannot grow an event without bound.
type Trace struct {
	limit  int
	redact func(s string, n int) string

	mu      sync.Mutex
	taken   int // slots handed out, entries included
	entries []TraceEntry
	omitted int
}

// TraceEntry is one traced request and its answer, secrets already
// hidden and bodies already cut.
type TraceEntry struct {
	Component       string            `json:"component"`
	System          string            `json:"system,omitempty"`
	Time            time.Time         `json:"time"`
	Method          string            `json:"method"`
	URL             string            `json:"url"`
	RequestHeaders  map[string]string `json:"request_headers,omitempty"`
	RequestBody     string            `json:"request_body,omitempty"`
	RequestBytes    int               `json:"request_body_bytes"`
	Status          int               `json:"status,omitempty"`
	ResponseHeaders map[string]string `json:"response_headers,omitempty"`
	ResponseBody    string            `json:"response_body,omitempty"`
	ResponseBytes   int               `json:"response_body_bytes"`
	DurationMS      float64           `json:"duration_ms"`
	Error           string            `json:"error,omitempty"`
}

// NewTrace makes a run's trace, keeping at most limit requests. redact
// hides the config's secrets in what is recorded, all but what follows
// the first n bytes of each (n <= 0: all of it); nil hides nothing.
func NewTrace(limit int, redact func(s string, n int) string) *Trace {
	return &Trace{limit: limit, redact: redact}
}

type traceKey struct{}

// WithTrace carries t in ctx.
func WithTrace(ctx context.Context, t *Trace) context.Context {
	return context.WithValue(ctx, traceKey{}, t)
}

// TraceOf is the trace ctx carries, nil when nothing is traced (a dry
// run, entities pushed to a receiver).
func TraceOf(ctx context.Context) *Trace {
	t, _ := ctx.Value(traceKey{}).(*Trace)
	return t
}

// Add records the entry build makes, or only counts it when the trace is
// full; build runs outside the lock, so parallel senders do not wait on
// each other's redaction.
func (t *Trace) Add(build func() TraceEntry) {
	t.mu.Lock()
	if t.taken >= t.limit {
		t.omitted++
		t.mu.Unlock()
		return
	}
	t.taken++
	t.mu.Unlock()
	e := build()
	t.mu.Lock()
	t.entries = append(t.entries, e)
	t.mu.Unlock()
}

// Redact hides the config's secrets in s, all but what follows the first
// n bytes of each (n <= 0: all of it).
func (t *Trace) Redact(s string, n int) string {
	if t.redact == nil {
		return s
	}
	return t.redact(s, n)
}

// Entries are the recorded requests in the order they were recorded, and
// how many more were left out; a nil trace has none.
func (t *Trace) Entries() (entries []TraceEntry, omitted int) {
	if t == nil {
		return nil, 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]TraceEntry(nil), t.entries...), t.omitted
}
