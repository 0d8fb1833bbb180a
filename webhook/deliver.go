package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/store"
)

// laneWrite is how one lane's plan is delivered and committed.
type laneWrite struct {
	lane    *lane
	fullRun uint64 // the full run under way, or 0
	window  window
	// commit, when set, runs in the transaction of the lane's last write:
	// the pipe's progress.
	commit func(*store.Tx) error
}

// deliverPlan sends a lane's records request by request, each only after
// the previous one was answered. After each acknowledged request one
// transaction records what the endpoint now has, the request's log entry
// and body, and the message counter; the last also commits w.commit, so
// the pipe's offset moves only once every request of the batch was
// acknowledged.
func (s *Sink) deliverPlan(ctx context.Context, w laneWrite, p *plan, stats *component.WriteStats) error {
	if len(p.send) > 0 {
		if err := s.checkGone(w.lane); err != nil {
			return err
		}
		if err := s.checkDeletes(w.lane, p.send); err != nil {
			return err
		}
	}
	next, err := s.nextMessageID()
	if err != nil {
		return err
	}
	chunks := s.chunks(p.send, &next)
	s.nextMsg = next
	for i, recs := range chunks {
		var final *plan
		if i == len(chunks)-1 {
			final = p
		}
		m := s.message(w.lane, recs)
		entry := s.newLogEntry(w.lane, m, recs, w.window)
		delivered, err := s.send(ctx, w.lane, m, entry)
		if err != nil {
			return err
		}
		if !delivered { // a dead letter; the pipe goes on
			recs, entry = nil, nil
		}
		if err := s.commitDelivery(w, recs, entry, m.Body, next, final); err != nil {
			return err
		}
		for _, r := range recs {
			stats.Written++
			if r.op == "delete" {
				stats.Deleted++
				s.run.deletes[w.lane.name]++
			}
		}
	}
	if len(chunks) == 0 && (len(p.baseline) > 0 || len(p.seen) > 0 || w.commit != nil) {
		return s.commitDelivery(w, nil, nil, nil, next, p)
	}
	return nil
}

// commitDelivery records, in one transaction, what an acknowledged request
// delivered (recs, with its log entry and body), and, for the batch's last
// request (final), the baselines, what a full run saw, and the pipe's
// progress.
func (s *Sink) commitDelivery(w laneWrite, recs []*record, entry *Delivery, body []byte, next int64, final *plan) error {
	var chunks []*chunk
	if len(recs) > 0 {
		chunks = append(chunks, s.state.newChunk(w.lane.name, recs, w.fullRun))
	}
	if final != nil && len(final.baseline) > 0 {
		chunks = append(chunks, s.state.newChunk(w.lane.name, final.baseline, w.fullRun))
	}
	if final != nil && len(final.seen) > 0 {
		chunks = append(chunks, s.state.seenChunk(w.lane.name, final.seen, w.fullRun))
	}
	ents := make([]entity.Entity, len(chunks))
	for i, c := range chunks {
		ents[i] = c.entity()
	}
	var dead entity.Entity
	if entry != nil {
		var err error
		if dead, err = s.deadLetterOf(entry.WebhookID); err != nil {
			return err
		}
	}
	if err := s.commits.failed(); err != nil {
		return err
	}
	counter := strconv.AppendInt(nil, next, 10)
	_, err := s.st.WriteAsync(s.stateDataset(), ents, store.WriteOptions{Commit: func(tx *store.Tx) error {
		if entry != nil {
			if _, err := tx.Write(s.logDataset, []entity.Entity{entry.encode()}); err != nil {
				return err
			}
			if body != nil {
				if err := tx.PutValue(s.bodyKey(entry.WebhookID), body); err != nil {
					return err
				}
			}
			if dead != nil {
				if _, err := tx.Write(s.deadDataset, []entity.Entity{dead}); err != nil {
					return err
				}
			}
		}
		if err := tx.PutValue(s.counterKey(), counter); err != nil {
			return err
		}
		if final != nil && w.commit != nil {
			return w.commit(tx)
		}
		return nil
	}}, s.commits.start())
	if err != nil {
		s.commits.cancel()
		return err
	}
	if dead != nil {
		delete(s.dead, entry.WebhookID)
	}
	for _, c := range chunks {
		if err := s.state.apply(c); err != nil {
			return err
		}
	}
	s.state.chunks += len(chunks)
	return nil
}

// chunks numbers the records (message ids over the sink's life, rows from
// 1 in each run), encodes them, and cuts them into requests of batch_size
// records and at most batch_max_bytes; GET sends one record per request.
func (s *Sink) chunks(recs []*record, next *int64) [][]*record {
	limit := s.cfg.BatchSize
	if s.cfg.Method == http.MethodGet {
		limit = 1
	}
	var out [][]*record
	var cur []*record
	size := 0
	for _, r := range recs {
		r.msgID, *next = *next, *next+1
		s.run.rows++
		r.row = s.run.rows
		s.encodeRecord(r)
		if len(cur) > 0 && (len(cur) >= limit || size+len(r.json)+1 > s.cfg.BatchMaxBytes) {
			out = append(out, cur)
			cur, size = nil, 0
		}
		cur = append(cur, r)
		size += len(r.json) + 1
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// message makes the request for a chunk of records.
func (s *Sink) message(l *lane, chunk []*record) *Message {
	m := &Message{ID: messageID(s.pipe+"/"+s.instance, l.name, chunk), Method: s.cfg.Method, URL: l.url, Header: http.Header{}}
	for k, v := range s.cfg.Headers {
		m.Header.Set(k, v)
	}
	if s.cfg.Method == http.MethodGet {
		sep := "?"
		if strings.Contains(l.url, "?") {
			sep = "&"
		}
		m.URL = l.url + sep + query(chunk[0].json)
		return m
	}
	m.Body = body(s.cfg.format(), l.name, chunk)
	return m
}

// send delivers one message. Attempts that fail are logged as they
// happen; the delivered one is left in entry for commitDelivery to write
// with the state. A message that runs out of retries goes to the dead
// letters and fails the pipe, unless on_failure is "dead-letter": then
// send reports it undelivered and the pipe goes on.
func (s *Sink) send(ctx context.Context, l *lane, m *Message, entry *Delivery) (delivered bool, err error) {
	err = s.client.Deliver(ctx, m, func(a Attempt) error {
		if a.Outcome == OutcomeDelivered {
			s.applyAttempt(entry, a)
			return nil
		}
		return s.logAttempt(entry, a, m.Body)
	})
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, ErrGone):
		if gerr := s.markGone(l, err); gerr != nil {
			return false, gerr
		}
		return false, fmt.Errorf("webhook %s: %w; the endpoint is disabled (change its url, or run \"sluice deliveries enable %s\" when it wants webhooks again)", s.redact(l.url), err, s.pipe)
	}
	var failed *FailedError
	if !errors.As(err, &failed) {
		return false, err
	}
	if derr := s.deadLetter(entry); derr != nil {
		return false, derr
	}
	if s.cfg.OnFailure == OnFailureDeadLetter {
		s.log.Warn("webhook message not delivered; kept as a dead letter", "webhook_id", m.ID, "url", s.redact(l.url), "error", s.redact(err.Error()))
		return false, nil
	}
	return false, fmt.Errorf("webhook %s: message %s: %w", s.redact(l.url), m.ID, err)
}

// checkDeletes applies max_delete_ratio: a run may delete at most that
// share of what the endpoint held when it started.
func (s *Sink) checkDeletes(l *lane, recs []*record) error {
	if s.cfg.MaxDeleteRatio == nil {
		return nil
	}
	n := int64(0)
	for _, r := range recs {
		if r.op == "delete" {
			n++
		}
	}
	return s.checkDeleteCount(l, n)
}

func (s *Sink) checkDeleteCount(l *lane, n int64) error {
	if s.cfg.MaxDeleteRatio == nil || n == 0 {
		return nil
	}
	total := s.run.deletes[l.name] + n
	if float64(total) > *s.cfg.MaxDeleteRatio*float64(l.held) {
		return fmt.Errorf("max_delete_ratio %g: this run would delete %d of the %d entities the endpoint %s holds; nothing more was sent (raise max_delete_ratio if that is intended)",
			*s.cfg.MaxDeleteRatio, total, l.held, s.redact(l.url))
	}
	return nil
}

// goneMark is what the store keeps of an endpoint that answered 410.
type goneMark struct {
	URL    string    `json:"url"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
}

func (s *Sink) goneKey(l *lane) string { return "webhook:" + s.pipe + ":gone:" + l.name }

func (s *Sink) markGone(l *lane, cause error) error {
	g := &goneMark{URL: l.url, At: time.Now().UTC(), Reason: s.redact(cause.Error())}
	b, _ := json.Marshal(g)
	if err := s.st.Update(func(tx *store.Tx) error { return tx.PutValue(s.goneKey(l), b) }); err != nil {
		return err
	}
	if s.gone != nil {
		s.gone[l.name] = g
	}
	return nil
}

// checkGone refuses to send to an endpoint that answered 410 Gone, until
// its URL changes or it is enabled again.
func (s *Sink) checkGone(l *lane) error {
	if s.gone == nil {
		gone := map[string]*goneMark{}
		for _, l := range s.lanes {
			v, ok, err := s.st.Value(s.goneKey(l))
			if err != nil {
				return err
			}
			var g goneMark
			if ok && json.Unmarshal(v, &g) == nil {
				gone[l.name] = &g
			}
		}
		s.gone = gone
	}
	g := s.gone[l.name]
	if g == nil || g.URL != l.url {
		return nil
	}
	return fmt.Errorf("webhook %s is disabled: it answered 410 Gone at %s (change its url, or run \"sluice deliveries enable %s\" when it wants webhooks again)",
		s.redact(l.url), g.At.Format(time.RFC3339), s.pipe)
}

// Enable forgets that the sink's endpoints answered 410 Gone.
func (s *Sink) Enable() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gone = nil
	return s.st.Update(func(tx *store.Tx) error {
		for _, l := range s.lanes {
			if err := tx.DeleteValue(s.goneKey(l)); err != nil {
				return err
			}
		}
		return nil
	})
}

// showPlan reports, in a dry run, the requests a lane would send.
func (s *Sink) showPlan(l *lane, p *plan, show func(string)) {
	next, _ := s.nextMessageID()
	rows := s.run.rows
	for _, chunk := range s.chunks(p.send, &next) {
		m := s.message(l, chunk)
		line := fmt.Sprintf("%s %s\nwebhook-id: %s", m.Method, m.URL, m.ID)
		for k := range m.Header {
			line += fmt.Sprintf("\n%s: %s", k, m.Header.Get(k))
		}
		if m.Body != nil {
			line += "\n\n" + string(m.Body)
		}
		show(s.redact(line))
	}
	s.run.rows = rows
}
