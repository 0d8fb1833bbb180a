package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
	"github.com/sluice-sync/sluice/webhook"
)

// destination is one configured destination ready to deliver, with its
// queue. A single goroutine drains the queue while it is not empty, which
// keeps deliveries in order and the goroutines bounded by the number of
// destinations.
type destination struct {
	cfg    *pipes.Destination
	signer *webhook.Signer
	retry  webhook.Retry
	client *webhook.Client
	header http.Header

	mu       sync.Mutex
	queue    []job
	draining bool
	// gone is set when the destination answered 410 Gone: it asked not to
	// be called again, so nothing more goes there until the config is
	// loaded again (or a test send gets through).
	gone bool
}

// job is one event for one destination.
type job struct {
	id    string // the webhook-id, the same on every attempt
	event string
	run   Run
	test  bool
}

func newJob(event string, r Run) job { return job{id: newEventID(), event: event, run: r} }

// enqueue adds a job to a destination's queue, starting its drain when
// idle. It never blocks: a full queue drops the job, and says so.
func (n *Notifier) enqueue(d *destination, j job) {
	d.mu.Lock()
	if len(d.queue) >= n.opts.MaxQueue {
		d.mu.Unlock()
		n.log.Error("run notification dropped: too many waiting for this destination", "destination", d.cfg.ID, "event", j.event, "pipe", j.run.Pipe, "waiting", n.opts.MaxQueue)
		n.logAttempt(d, j, webhook.Attempt{Time: time.Now().UTC(), Error: fmt.Sprintf("dropped: %d notifications were already waiting for this destination", n.opts.MaxQueue), Outcome: outcomeDropped})
		return
	}
	n.begin()
	d.queue = append(d.queue, j)
	start := !d.draining
	d.draining = true
	d.mu.Unlock()
	if start {
		go n.drain(d)
	}
}

// drain delivers a destination's jobs in order until its queue is empty.
func (n *Notifier) drain(d *destination) {
	for {
		d.mu.Lock()
		if len(d.queue) == 0 {
			d.draining = false
			d.mu.Unlock()
			return
		}
		j := d.queue[0]
		d.queue = d.queue[1:]
		gone := d.gone
		d.mu.Unlock()
		if gone {
			n.logAttempt(d, j, webhook.Attempt{Time: time.Now().UTC(), Error: "not sent: the destination answered 410 Gone before; reload the config to send to it again", Outcome: outcomeSkipped})
		} else {
			n.deliver(n.ctx, d, j)
		}
		n.end()
	}
}

// Outcomes of log entries that are not attempts.
const (
	outcomeDropped = "dropped"
	outcomeSkipped = "skipped"
)

// deliver sends one job with the destination's retries and logs every
// attempt. It returns the last attempt and the delivery's error.
func (n *Notifier) deliver(ctx context.Context, d *destination, j job) (webhook.Attempt, error) {
	return n.deliverWith(ctx, d, d.client, j)
}

func (n *Notifier) deliverWith(ctx context.Context, d *destination, client *webhook.Client, j job) (webhook.Attempt, error) {
	p := payload(j.event, j.run, n.redact)
	p.Test = j.test
	body, err := json.Marshal(p)
	if err != nil {
		return webhook.Attempt{}, fmt.Errorf("encode the payload: %w", err)
	}
	m := &webhook.Message{ID: j.id, Method: http.MethodPost, URL: d.cfg.URL, Header: d.header.Clone(), Body: body}
	var last webhook.Attempt
	err = client.Deliver(ctx, m, func(a webhook.Attempt) error {
		last = a
		n.logAttempt(d, j, a)
		n.log.Debug("run notification attempt", "destination", d.cfg.ID, "webhook_id", j.id, "attempt", a.N, "status", a.Status, "outcome", a.Outcome)
		return nil
	})
	switch {
	case err == nil:
		if j.test {
			d.mu.Lock()
			d.gone = false
			d.mu.Unlock()
		}
	case errors.Is(err, webhook.ErrGone):
		d.mu.Lock()
		d.gone = true
		d.mu.Unlock()
		n.log.Warn("a notification destination answered 410 Gone; nothing more is sent to it until the config is reloaded",
			"destination", d.cfg.ID, "url", n.redact(d.cfg.URL))
	case j.test: // the caller reports it
	default:
		n.log.Warn("run notification not delivered", "destination", d.cfg.ID, "event", j.event, "pipe", j.run.Pipe,
			"webhook_id", j.id, "error", n.redact(err.Error()))
	}
	return last, err
}

// logEntry is one attempt in the delivery log. It holds no secret and no
// signature: URLs, answers and errors are redacted.
type logEntry struct {
	ID          string `json:"_id"`
	Time        string `json:"time"`
	WebhookID   string `json:"webhook_id"`
	Attempt     int    `json:"attempt"`
	Destination string `json:"destination"`
	Event       string `json:"event"`
	Pipe        string `json:"pipe"`
	URL         string `json:"url"`
	Status      int    `json:"status"`
	LatencyMS   int64  `json:"latency_ms"`
	Response    string `json:"response"`
	Error       string `json:"error,omitempty"`
	Outcome     string `json:"outcome"`
	Test        bool   `json:"test,omitempty"`
}

// logAttempt writes an attempt to the delivery log. A failure to write is
// logged and does not stop the delivery: the receiver matters more.
func (n *Notifier) logAttempt(d *destination, j job, a webhook.Attempt) {
	if n.st == nil {
		return
	}
	e := logEntry{
		ID: fmt.Sprintf("%s#%d", j.id, a.N), Time: a.Time.UTC().Format(timeFormat), WebhookID: j.id, Attempt: a.N,
		Destination: d.cfg.ID, Event: j.event, Pipe: j.run.Pipe, URL: n.redact(d.cfg.URL),
		Status: a.Status, LatencyMS: a.Latency.Milliseconds(), Response: n.redact(a.Response),
		Error: n.redact(a.Error), Outcome: a.Outcome, Test: j.test,
	}
	b, err := json.Marshal(e)
	if err == nil {
		_, err = n.st.Write(LogDataset, []entity.Entity{b}, store.WriteOptions{})
	}
	if err != nil {
		n.log.Error("notification log: write failed", "dataset", LogDataset, "error", err)
	}
}
