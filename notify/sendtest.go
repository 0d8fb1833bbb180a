package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/webhook"
)

// Result is what a test send got from the destination.
type Result struct {
	Destination string `json:"destination"`
	WebhookID   string `json:"webhook_id"`
	URL         string `json:"url"` // redacted
	// Delivered is true when the destination answered 2xx.
	Delivered bool   `json:"delivered"`
	Status    int    `json:"status"` // 0 when no answer came
	LatencyMS int64  `json:"latency_ms"`
	Response  string `json:"response"`
	Error     string `json:"error,omitempty"`
}

// SendTest sends a fully populated sample pipe.completed event, marked
// "test": true, to one destination now, with a single attempt (a person
// is waiting for the answer), signed and logged like any other. The error
// is ErrUnknownDestination (wrapped) for an id the config lacks, and
// otherwise says why the destination did not take it; the Result is
// filled in either way.
func (n *Notifier) SendTest(ctx context.Context, id string) (Result, error) {
	d, ok := n.dests[id]
	if !ok {
		return Result{Destination: id}, fmt.Errorf("%w: %q", ErrUnknownDestination, id)
	}
	once := d.retry
	once.MaxAttempts = 1
	j := job{id: newEventID(), event: pipes.EventPipeCompleted, run: n.sampleRun(id), test: true}
	a, err := n.deliverWith(ctx, d, webhook.NewClient(d.signer, once), j)
	res := Result{
		Destination: id, WebhookID: j.id, URL: n.redact(d.cfg.URL), Delivered: err == nil,
		Status: a.Status, LatencyMS: a.Latency.Milliseconds(), Response: n.redact(a.Response), Error: n.redact(a.Error),
	}
	if err != nil && res.Error == "" {
		res.Error = n.redact(err.Error())
	}
	if err != nil {
		return res, fmt.Errorf("destination %q: %s", id, res.Error)
	}
	return res, nil
}

// sampleRun is a plausible completed run of a pipe the destination hears
// about (preferably its completed runs; else any pipe, else a made-up
// one), with every field set.
func (n *Notifier) sampleRun(dest string) Run {
	pipe := "example-pipe"
	if len(n.cfg.Pipes) > 0 {
		pipe = n.cfg.Pipes[0].ID
	}
find:
	for _, event := range pipes.Events {
		for _, p := range n.cfg.Pipes {
			if routes(n.cfg, dest, event, p.ID) {
				pipe = p.ID
				break find
			}
		}
	}
	ended := time.Now().UTC().Truncate(time.Millisecond)
	return Run{
		Pipe: pipe, Status: "completed", Full: false, Read: 42, Written: 7, Deleted: 1,
		StartOffset: json.RawMessage("1000"), Offset: json.RawMessage("1042"),
		Started: ended.Add(-1500 * time.Millisecond), Ended: ended, DurationMS: 1500,
	}
}

// routes reports whether an event of a pipe goes to the destination.
func routes(cfg *pipes.Config, dest, event, pipe string) bool {
	for _, d := range cfg.Route(event, pipe) {
		if d.ID == dest {
			return true
		}
	}
	return false
}
