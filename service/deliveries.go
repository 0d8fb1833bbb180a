package service

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/webhook"
)

// deliveryLog finds the pipe's webhook sink, answering 404 or 400 when
// there is none. It holds the engine until release is called, so a reload
// does not close the sink under a resend or replay.
func (s *Service) deliveryLog(w http.ResponseWriter, r *http.Request) (dl webhook.DeliveryLog, release func(), ok bool) {
	id := r.PathValue("id")
	eng := s.Engine()
	p, err := eng.Pipe(id)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, engine.ErrUnknownPipe) {
			status = http.StatusNotFound
		}
		writeError(w, status, err)
		return nil, nil, false
	}
	if dl, ok = p.Sink.(webhook.DeliveryLog); !ok {
		writeError(w, http.StatusBadRequest, fmt.Errorf("pipe %q: %w", id, webhook.ErrNotWebhookSink))
		return nil, nil, false
	}
	if release, err = eng.Hold(); err != nil {
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, err)
		return nil, nil, false
	}
	return dl, release, true
}

// listDeliveries answers GET /api/pipes/{id}/deliveries: the delivery log,
// oldest first (since, outcome, limit, attempts, dead, body).
func (s *Service) listDeliveries(w http.ResponseWriter, r *http.Request) {
	sink, release, ok := s.deliveryLog(w, r)
	if !ok {
		return
	}
	defer release()
	q := r.URL.Query()
	var opts webhook.ListOptions
	var err error
	if opts.Since, err = parseTime(q.Get("since")); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	opts.Outcome = q.Get("outcome")
	for name, dst := range map[string]*bool{"attempts": &opts.Attempts, "dead": &opts.Dead, "body": &opts.Body} {
		if v := q.Get(name); v != "" {
			if *dst, err = strconv.ParseBool(v); err != nil {
				writeError(w, http.StatusBadRequest, fmt.Errorf("%s must be true or false, not %q", name, v))
				return
			}
		}
	}
	if v := q.Get("limit"); v != "" {
		if opts.Limit, err = strconv.Atoi(v); err != nil || opts.Limit < 0 {
			writeError(w, http.StatusBadRequest, fmt.Errorf("limit must be a non-negative integer, not %q", v))
			return
		}
	}
	ds, err := sink.Deliveries(opts)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	if ds == nil {
		ds = []webhook.Delivery{}
	}
	writeJSON(w, http.StatusOK, ds)
}

// resendDelivery answers POST /api/pipes/{id}/deliveries/{webhook_id}/resend:
// 200 with the delivery when it was delivered, 502 when not.
func (s *Service) resendDelivery(w http.ResponseWriter, r *http.Request) {
	waitsOnPurpose(w)
	sink, release, ok := s.deliveryLog(w, r)
	if !ok {
		return
	}
	defer release()
	d, err := sink.Resend(r.Context(), r.PathValue("webhook_id"))
	switch {
	case errors.Is(err, webhook.ErrNoDelivery):
		writeError(w, http.StatusNotFound, err)
	case err != nil && d == nil:
		writeError(w, http.StatusInternalServerError, err)
	case err != nil:
		d.Body = nil
		writeJSON(w, http.StatusBadGateway, map[string]any{"error": err.Error(), "status": http.StatusBadGateway, "delivery": d})
	default:
		d.Body = nil
		writeJSON(w, http.StatusOK, d)
	}
}

// replayDeliveries answers POST /api/pipes/{id}/deliveries/replay with
// from_offset, to_offset and/or since (form or JSON).
func (s *Service) replayDeliveries(w http.ResponseWriter, r *http.Request) {
	waitsOnPurpose(w)
	sink, release, ok := s.deliveryLog(w, r)
	if !ok {
		return
	}
	defer release()
	req, err := pumpRequest(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	var opts webhook.ReplayOptions
	for name, dst := range map[string]**int64{"from_offset": &opts.FromOffset, "to_offset": &opts.ToOffset} {
		if v := req[name]; v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				writeError(w, http.StatusBadRequest, fmt.Errorf("%s must be an integer offset, not %q", name, v))
				return
			}
			*dst = &n
		}
	}
	if opts.Since, err = parseTime(req["since"]); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	if opts.FromOffset == nil && opts.ToOffset == nil && opts.Since.IsZero() {
		writeError(w, http.StatusBadRequest, errors.New("give from_offset and/or to_offset, or since"))
		return
	}
	done, err := sink.Replay(r.Context(), opts)
	if done == nil {
		done = []webhook.Delivery{}
	}
	if err != nil {
		writeJSON(w, http.StatusBadGateway, map[string]any{"error": err.Error(), "status": http.StatusBadGateway, "replayed": done})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"replayed": done})
}

// enableDeliveries answers POST /api/pipes/{id}/deliveries/enable: the
// endpoints that answered 410 Gone get webhooks again.
func (s *Service) enableDeliveries(w http.ResponseWriter, r *http.Request) {
	sink, release, ok := s.deliveryLog(w, r)
	if !ok {
		return
	}
	defer release()
	if err := sink.Enable(); err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"pipe": r.PathValue("id"), "enabled": true})
}

// parseTime reads an RFC 3339 time; "" is the zero time.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return t, fmt.Errorf("since must be an RFC 3339 time such as 2026-11-30T10:00:00Z, not %q", s)
	}
	return t, nil
}
