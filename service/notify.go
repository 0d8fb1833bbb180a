package service

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/notify"
	"github.com/sluice-sync/sluice/pipes"
)

// notifyState holds the notifier of the config in force. It is built on
// first use after a start or a reload, keyed on the config, so New and
// Reload need not know about notifications; a notifier replaced by a
// reload finishes the deliveries it has under way, then closes.
type notifyState struct {
	mu  sync.Mutex
	cfg *pipes.Config
	n   *notify.Notifier
	err error
}

// notifier returns the notifier for the running config, building it when
// the config changed. A notifier that cannot be built (its generated
// secret cannot be stored, say) is logged once; runs go on without
// notifications.
func (s *Service) notifier() (*notify.Notifier, error) {
	cfg := s.Engine().Config()
	s.notify.mu.Lock()
	defer s.notify.mu.Unlock()
	if s.notify.cfg != cfg {
		s.notify.cfg = cfg
		s.notify.n, s.notify.err = notify.New(cfg, s.opts.Store, s.log, notify.Options{})
		if s.notify.err != nil {
			s.log.Error("run notifications are off until the config is reloaded", "error", cfg.Redact(s.notify.err.Error()))
		}
	}
	return s.notify.n, s.notify.err
}

// publish sends a finished run's notifications in the background, so a
// slow receiver never holds up the scheduler. Runs that were stopped (the
// stop operation, a reload, shutting down) or never started (already
// running, disabled) are no news for a receiver and send nothing.
func (s *Service) publish(sum engine.Summary, err error) {
	if sum.DryRun || errors.Is(err, context.Canceled) || errors.Is(err, engine.ErrRunning) || errors.Is(err, engine.ErrDisabled) {
		return
	}
	if len(s.Engine().Config().Subscriptions) == 0 {
		return
	}
	if n, err := s.notifier(); err == nil {
		n.Publish(NotificationRun(sum))
	}
}

// NotificationRun restates a run summary for package notify, which sits
// below the engine and cannot see its types.
func NotificationRun(sum engine.Summary) notify.Run {
	return notify.Run{
		Pipe: sum.Pipe, Status: sum.Status, Full: sum.Full,
		Read: sum.Read, Written: sum.Written, Deleted: sum.Deleted,
		StartOffset: sum.StartOffset, Offset: sum.Offset,
		Started: sum.Started, Ended: sum.Started.Add(time.Duration(sum.DurationMS) * time.Millisecond), DurationMS: sum.DurationMS,
		Error: sum.Error,
	}
}

// listDestinations is GET /api/destinations: each destination (URL
// redacted, no secrets or header values) with what is routed to it.
func (s *Service) listDestinations(w http.ResponseWriter, r *http.Request) {
	if n, err := s.notifier(); err == nil {
		writeJSON(w, http.StatusOK, n.Destinations())
		return
	}
	writeJSON(w, http.StatusOK, notify.Describe(s.Engine().Config()))
}

// testDestination is POST /api/destinations/{id}/test: it sends a sample
// pipe.completed event now and answers with what the destination did, 200
// when it answered 2xx and 502 when it did not.
func (s *Service) testDestination(w http.ResponseWriter, r *http.Request) {
	waitsOnPurpose(w)
	id := r.PathValue("id")
	if s.Engine().Config().Destination(id) == nil {
		writeError(w, http.StatusNotFound, fmt.Errorf("no destination %q", id))
		return
	}
	n, err := s.notifier()
	if err != nil {
		writeError(w, http.StatusInternalServerError, errors.New(s.Engine().Config().Redact(err.Error())))
		return
	}
	res, err := n.SendTest(r.Context(), id)
	switch {
	case errors.Is(err, notify.ErrUnknownDestination):
		writeError(w, http.StatusNotFound, err)
	case err != nil:
		writeJSON(w, http.StatusBadGateway, res)
	default:
		writeJSON(w, http.StatusOK, res)
	}
}

// retireNotifier closes the notifier of a config a reload replaced, in the
// background once its deliveries (which may wait to retry) are done.
func (s *Service) retireNotifier() {
	s.notify.mu.Lock()
	old := s.notify.n
	s.notify.cfg, s.notify.n, s.notify.err = nil, nil, nil
	s.notify.mu.Unlock()
	if old != nil {
		go s.closeNotifier(old, time.Hour)
	}
}

// drainNotifications gives the notifications under way a little time to
// be delivered when the service stops; what is still undelivered then is
// logged as given up.
func (s *Service) drainNotifications(limit time.Duration) {
	s.notify.mu.Lock()
	n := s.notify.n
	s.notify.mu.Unlock()
	if n == nil {
		return
	}
	s.closeNotifier(n, limit)
}

// closeNotifier lets a notifier deliver what it has for up to limit, then
// closes it; what is still undelivered then is logged as given up.
func (s *Service) closeNotifier(n *notify.Notifier, limit time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	if err := n.Close(ctx); err != nil {
		s.log.Warn("run notifications still undelivered were given up", "error", err)
	}
}
