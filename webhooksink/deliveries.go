package webhooksink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/sluice-sync/sluice/store"
	"github.com/sluice-sync/sluice/webhook"
)

// Deliveries lists the delivery log, oldest first.
func (s *Sink) Deliveries(opts webhook.ListOptions) ([]webhook.Delivery, error) {
	ds := s.logDataset
	if opts.Dead {
		ds = s.deadDataset
	}
	var out []webhook.Delivery
	err := s.st.Scan(ds, store.ReadOptions{History: opts.Attempts, SkipDeleted: true}, func(_ uint64, e []byte) error {
		var d webhook.Delivery
		if err := json.Unmarshal(e, &d); err != nil {
			return err
		}
		if d.Created.Before(opts.Since) || (opts.Outcome != "" && d.Outcome != opts.Outcome) {
			return nil
		}
		if opts.Body && d.Method != http.MethodGet {
			body, ok, err := s.st.Value(s.bodyKey(d.WebhookID))
			if err != nil {
				return err
			}
			if ok {
				d.Body = body
			}
		}
		out = append(out, d)
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].MessageIDs[0] < out[j].MessageIDs[0] })
	if opts.Limit > 0 && len(out) > opts.Limit {
		out = out[len(out)-opts.Limit:]
	}
	return out, nil
}

// Resend sends one logged message again, as it was, with its original
// webhook-id (and a new timestamp and signature). It does not change what
// the sink records the endpoint has.
func (s *Sink) Resend(ctx context.Context, webhookID string) (*webhook.Delivery, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok, err := s.st.Get(s.logDataset, webhookID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !ok) {
		return nil, fmt.Errorf("%w %q in pipe %q", webhook.ErrNoDelivery, webhookID, s.pipe)
	}
	if err != nil {
		return nil, err
	}
	var d webhook.Delivery
	if err := json.Unmarshal(e, &d); err != nil {
		return nil, err
	}
	return &d, s.resend(ctx, &d)
}

func (s *Sink) resend(ctx context.Context, d *webhook.Delivery) error {
	if err := s.settle(); err != nil {
		return err
	}
	if err := s.ready(); err != nil {
		return err
	}
	l := s.lane(d.Stream)
	if l == nil {
		return fmt.Errorf("delivery %s went to stream %q, which the sink no longer has", d.WebhookID, d.Stream)
	}
	if err := s.checkGone(l); err != nil {
		return err
	}
	m := &webhook.Message{ID: d.WebhookID, Method: d.Method, URL: l.url, Header: http.Header{}}
	for k, v := range s.cfg.Headers {
		m.Header.Set(k, v)
	}
	if d.Method == http.MethodGet {
		sep := "?"
		if strings.Contains(l.url, "?") {
			sep = "&"
		}
		m.URL += sep + d.Query
	} else {
		body, ok, err := s.st.Value(s.bodyKey(d.WebhookID))
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("delivery %s: its body is no longer kept", d.WebhookID)
		}
		m.Body = body
	}
	d.Resends++
	err := s.client.Deliver(ctx, m, func(a webhook.Attempt) error {
		s.tally.attempt(a)
		return s.logAttempt(d, a, nil)
	})
	var failed *webhook.FailedError
	switch {
	case err == nil:
		return s.clearDeadLetter(d.WebhookID)
	case errors.Is(err, webhook.ErrGone):
		if gerr := s.markGone(l, err); gerr != nil {
			return gerr
		}
		s.gone = nil // read the marks again
	case errors.As(err, &failed):
		if derr := s.deadLetter(d); derr != nil {
			return derr
		}
	}
	return fmt.Errorf("resend %s: %w", d.WebhookID, err)
}

// lane finds a stream by name.
func (s *Sink) lane(name string) *lane {
	for _, l := range s.lanes {
		if l.name == name {
			return l
		}
	}
	return nil
}

// Replay sends the chosen messages again, oldest first, each with its
// original webhook-id; it stops at the first that is not delivered. It
// returns the messages it sent.
func (s *Sink) Replay(ctx context.Context, opts webhook.ReplayOptions) ([]webhook.Delivery, error) {
	if opts.FromOffset == nil && opts.ToOffset == nil && opts.Since.IsZero() {
		return nil, errors.New("replay needs a window: source offsets (from and/or to) or a time to replay since")
	}
	all, err := s.Deliveries(webhook.ListOptions{Since: opts.Since})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var done []webhook.Delivery
	for i := range all {
		d := &all[i]
		if d.Outcome != webhook.OutcomeDelivered || !overlaps(d.Window, opts.FromOffset, opts.ToOffset) {
			continue
		}
		err := s.resend(ctx, d)
		done = append(done, *d)
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// overlaps says whether the window (From, To] meets (from, to]; a window
// of non-numeric offsets meets only an open range.
func overlaps(w webhook.Window, from, to *int64) bool {
	if from == nil && to == nil {
		return true
	}
	lo, hi := int64(-1), int64(-1)
	if w.From != "" {
		n, err := strconv.ParseInt(w.From, 10, 64)
		if err != nil {
			return false
		}
		lo = n
	}
	n, err := strconv.ParseInt(w.To, 10, 64)
	if err != nil {
		return false
	}
	hi = n
	if from != nil && hi <= *from {
		return false
	}
	if to != nil && lo >= *to {
		return false
	}
	return true
}
