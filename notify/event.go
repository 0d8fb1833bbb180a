package notify

import (
	"encoding/json"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/sluice-sync/sluice/pipes"
)

// Run is a finished pipe run as notifications tell it: the engine's run
// summary, restated here because notify sits below the engine.
type Run struct {
	Pipe string
	// Status is "completed" or "failed".
	Status                 string
	Full                   bool
	Read, Written, Deleted int
	// StartOffset and Offset are the pipe's offsets before and after the
	// run as JSON (a number, a string, or null).
	StartOffset, Offset json.RawMessage
	Started, Ended      time.Time
	DurationMS          int64
	Error               string
}

// event is the run's event type, false for an unknown status.
func (r Run) event() (string, bool) {
	switch r.Status {
	case "completed":
		return pipes.EventPipeCompleted, true
	case "failed":
		return pipes.EventPipeFailed, true
	}
	return "", false
}

// Payload is the body of a notification, in the Standard Webhooks event
// shape: a type, a timestamp and the data.
type Payload struct {
	Type      string `json:"type"`
	Timestamp string `json:"timestamp"`
	// Test marks the sample that "send test" sends.
	Test bool    `json:"test,omitempty"`
	Data RunData `json:"data"`
}

// RunData is what a notification says about the run.
type RunData struct {
	Pipe       string  `json:"pipe"`
	Status     string  `json:"status"`
	Full       bool    `json:"full"`
	Counts     Counts  `json:"counts"`
	Offsets    Offsets `json:"offsets"`
	Started    string  `json:"started"`
	Ended      string  `json:"ended"`
	DurationMS int64   `json:"duration_ms"`
	Error      string  `json:"error,omitempty"`
}

// Counts are the run's entity counts.
type Counts struct {
	Read    int `json:"read"`
	Written int `json:"written"`
	Deleted int `json:"deleted"`
}

// Offsets are the pipe's offsets at the start and the end of the run.
type Offsets struct {
	Start json.RawMessage `json:"start"`
	End   json.RawMessage `json:"end"`
}

// timeFormat is RFC 3339 in UTC with milliseconds, as most webhook
// senders write it.
const timeFormat = "2006-01-02T15:04:05.000Z07:00"

// payload builds the body of a run's event; redact is applied to the
// error, which may quote a config value.
func payload(event string, r Run, redact func(string) string) Payload {
	ended := r.Ended
	if ended.IsZero() {
		ended = r.Started.Add(time.Duration(r.DurationMS) * time.Millisecond)
	}
	p := Payload{Type: event, Timestamp: ended.UTC().Format(timeFormat), Data: RunData{
		Pipe: r.Pipe, Status: r.Status, Full: r.Full,
		Counts:     Counts{Read: r.Read, Written: r.Written, Deleted: r.Deleted},
		Offsets:    Offsets{Start: jsonOrNull(r.StartOffset), End: jsonOrNull(r.Offset)},
		Started:    r.Started.UTC().Format(timeFormat),
		Ended:      ended.UTC().Format(timeFormat),
		DurationMS: r.DurationMS,
	}}
	if r.Status == "failed" {
		p.Data.Error = redact(r.Error)
		if p.Data.Error == "" {
			p.Data.Error = "the run failed"
		}
	}
	return p
}

// jsonOrNull keeps a valid JSON value and turns anything else into null,
// so one odd offset cannot make the whole body invalid.
func jsonOrNull(b json.RawMessage) json.RawMessage {
	if len(b) == 0 || !json.Valid(b) {
		return json.RawMessage("null")
	}
	return b
}

// newEventID makes a webhook-id: "evt_" and a UUIDv7, so ids sort by time
// and are unique per event and destination; retries reuse it.
func newEventID() string {
	id, err := uuid.NewV7()
	if err != nil { // only if the random source fails
		id = uuid.New()
	}
	return "evt_" + strings.ReplaceAll(id.String(), "-", "")
}

// signature matches a webhook-signature entry, which a receiver echoing
// its request (httpbin does) would put in the response excerpt.
var signature = regexp.MustCompile(`v1,[A-Za-z0-9+/]{43}=`)

// scrubSignatures hides signatures in text that is logged or stored.
func scrubSignatures(s string) string {
	if !strings.Contains(s, "v1,") {
		return s
	}
	return signature.ReplaceAllString(s, "v1,***")
}

// redactAll hides a Standard Webhooks secret, with or without its prefix.
func redactAll(s, secret string) string {
	s = strings.ReplaceAll(s, secret, "***")
	if bare := strings.TrimPrefix(secret, "whsec_"); len(bare) >= 8 {
		s = strings.ReplaceAll(s, bare, "***")
	}
	return s
}
