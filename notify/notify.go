// Package notify sends run notifications: when a pipe run ends, a signed
// pipe.completed or pipe.failed event goes to every destination that a
// subscription routes it to (docs/configuration.md, "Run notifications").
//
// It sits beside the components: the engine's callers (the service, the
// pump command) turn a run summary into a Run and Publish it, so notify
// needs neither the engine nor the scheduler, and delivery (with its
// retries) never holds up the next run.
package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"

	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
	"github.com/sluice-sync/sluice/webhook"
)

// LogDataset keeps one entity per delivery attempt, so "what was sent,
// and what did they answer" has an answer without the service's logs.
const LogDataset = "system:notification_log"

// ErrUnknownDestination reports a destination id the config does not define.
var ErrUnknownDestination = errors.New("no such destination")

// Options configure a Notifier.
type Options struct {
	// MaxQueue bounds the events waiting for one destination (default
	// 1000); beyond it new events are dropped and logged, rather than
	// memory growing while a receiver is down.
	MaxQueue int
}

// Notifier routes run events to destinations and delivers them. Deliveries
// to one destination go out one at a time, in the order published, each
// with its retries, so a receiver never sees a run's end before an earlier
// one's; destinations do not wait for each other.
type Notifier struct {
	cfg   *pipes.Config
	st    *store.Store // nil: no delivery log
	log   *slog.Logger
	opts  Options
	dests map[string]*destination
	// generated are the secrets sluice made, redacted like config secrets.
	generated []string

	ctx    context.Context // ends every delivery; see Wait
	cancel context.CancelFunc

	mu      sync.Mutex
	pending int           // events queued or being delivered
	idle    chan struct{} // closed when pending drops to zero
}

// New prepares delivery to the config's destinations. A destination with no
// secret gets one generated and kept in the store, so receivers can go on
// verifying across restarts; the warning logged then is the one time a
// secret is shown. st may be nil (no delivery log; generated secrets last
// as long as the process).
func New(cfg *pipes.Config, st *store.Store, log *slog.Logger, opts Options) (*Notifier, error) {
	if log == nil {
		log = slog.Default()
	}
	if opts.MaxQueue <= 0 {
		opts.MaxQueue = 1000
	}
	n := &Notifier{cfg: cfg, st: st, log: log, opts: opts, dests: map[string]*destination{}, idle: make(chan struct{})}
	close(n.idle)
	n.ctx, n.cancel = context.WithCancel(context.Background())
	for _, d := range cfg.Destinations {
		dest, err := n.newDestination(d)
		if err != nil {
			return nil, fmt.Errorf("destination %q: %w", d.ID, err)
		}
		n.dests[d.ID] = dest
	}
	return n, nil
}

// newDestination builds a destination's signer, client and headers.
func (n *Notifier) newDestination(d *pipes.Destination) (*destination, error) {
	secrets := d.Secrets
	if len(secrets) == 0 {
		s, err := n.generatedSecret(d.ID)
		if err != nil {
			return nil, err
		}
		secrets = []string{s}
		n.generated = append(n.generated, s)
	}
	signer, err := webhook.NewSigner(secrets...)
	if err != nil {
		return nil, err // the loader checked the secrets; this is a bug
	}
	retry := RetrySchedule(d.Retry)
	if err := retry.Validate(); err != nil {
		return nil, fmt.Errorf("retry: %w", err)
	}
	header := http.Header{}
	for k, v := range d.Headers {
		header.Set(k, v)
	}
	return &destination{cfg: d, signer: signer, retry: retry, client: webhook.NewClient(signer, retry), header: header}, nil
}

// RetrySchedule lays a destination's configured retry fields over
// webhook.DefaultRetry().
func RetrySchedule(r *pipes.DestinationRetry) webhook.Retry {
	out := webhook.DefaultRetry()
	if r == nil {
		return out
	}
	if r.MaxAttempts != nil {
		out.MaxAttempts = *r.MaxAttempts
	}
	for _, f := range []struct {
		from *float64
		to   *float64
	}{{r.InitialDelay, &out.InitialDelay}, {r.MaxDelay, &out.MaxDelay}, {r.MaxAge, &out.MaxAge}, {r.Timeout, &out.Timeout}} {
		if f.from != nil {
			*f.to = *f.from
		}
	}
	return out
}

// Publish routes a finished run to its destinations and returns at once;
// delivery happens in the background. Runs with a status other than
// completed or failed are ignored.
func (n *Notifier) Publish(r Run) {
	event, ok := r.event()
	if !ok {
		n.log.Warn("run notification skipped: unknown run status", "pipe", r.Pipe, "status", r.Status)
		return
	}
	for _, d := range n.cfg.Route(event, r.Pipe) {
		n.enqueue(n.dests[d.ID], newJob(event, r))
	}
}

// Wait waits until every published event is delivered or given up on. If
// ctx ends first, it cancels the deliveries still going (each logs its
// attempt as canceled), waits for them to stop and returns ctx's error;
// the Notifier delivers nothing after that. The one-shot "sluice pump"
// calls it so that its process does not exit with notifications unsent.
func (n *Notifier) Wait(ctx context.Context) error {
	n.mu.Lock()
	idle := n.idle
	n.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
	}
	n.cancel()
	n.mu.Lock()
	idle = n.idle
	n.mu.Unlock()
	<-idle
	return ctx.Err()
}

// begin and end count events in flight for Wait.
func (n *Notifier) begin() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.pending == 0 {
		n.idle = make(chan struct{})
	}
	n.pending++
}

func (n *Notifier) end() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.pending--
	if n.pending == 0 {
		close(n.idle)
	}
}

// redact hides config secrets and generated ones from text that is logged
// or stored.
func (n *Notifier) redact(s string) string {
	s = n.cfg.Redact(s)
	for _, g := range n.generated {
		if g != "" {
			s = redactAll(s, g)
		}
	}
	return scrubSignatures(s)
}

// Close waits as Wait does, then closes the destinations' idle
// connections: a notifier replaced by a reload, or stopped with the
// service, leaves nothing open.
func (n *Notifier) Close(ctx context.Context) error {
	err := n.Wait(ctx)
	for _, d := range n.dests {
		d.client.CloseIdleConnections()
	}
	return err
}
