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
	fullRun uint64 // the lane's full-run generation, or 0
	window  window
	// commit, when set, runs in the transaction of the lane's last state
	// write: the pipe's progress.
	commit func(*store.Tx) error
}

// deliverPlan sends a lane's records request by request. After each
// acknowledged request it records, in one transaction, what the endpoint
// now has and the message counter; the last also commits w.commit (with
// the stamps of a full run), so the pipe's offset moves only once every
// request of the batch was acknowledged.
func (s *Sink) deliverPlan(ctx context.Context, w laneWrite, p *plan, stats *component.WriteStats) error {
	if err := s.checkGone(w.lane); err != nil {
		return err
	}
	if err := s.checkDeletes(w.lane, p.send); err != nil {
		return err
	}
	next, err := s.nextMessageID()
	if err != nil {
		return err
	}
	for _, chunk := range s.chunks(p.send, &next) {
		m := s.message(w.lane, chunk)
		if err := s.send(ctx, w.lane, m, chunk, w.window); err != nil {
			return err
		}
		states := make([]entity.Entity, len(chunk))
		for i, r := range chunk {
			states[i] = stateEntity(r.id, r.hash)
			if r.op == "delete" {
				stats.Deleted++
				s.run.deletes[w.lane.name]++
			}
		}
		stats.Written += len(chunk)
		counter := strconv.AppendInt(nil, next, 10)
		if _, err := s.st.Write(w.lane.state, states, store.WriteOptions{FullRun: w.fullRun, Commit: func(tx *store.Tx) error {
			return tx.PutValue(s.counterKey(), counter)
		}}); err != nil {
			return err
		}
	}
	if len(p.stamps) > 0 || w.commit != nil {
		_, err := s.st.Write(w.lane.state, p.stamps, store.WriteOptions{FullRun: w.fullRun, Commit: w.commit})
		return err
	}
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
	m := &Message{ID: messageID(s.pipe, l.name, chunk), Method: s.cfg.Method, URL: l.url, Header: http.Header{}}
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

// send delivers one message, logging every attempt; a message that runs
// out of retries goes to the dead letters, and fails the pipe unless
// on_failure is "dead-letter".
func (s *Sink) send(ctx context.Context, l *lane, m *Message, chunk []*record, win window) error {
	entry := s.newLogEntry(l, m, chunk, win)
	err := s.client.Deliver(ctx, m, func(a Attempt) error { return s.logAttempt(entry, a) })
	switch {
	case err == nil:
		return s.clearDeadLetter(m.ID)
	case errors.Is(err, ErrGone):
		if gerr := s.markGone(l, err); gerr != nil {
			return gerr
		}
		return fmt.Errorf("webhook %s: %w; the endpoint is disabled (change its url, or run \"sluice deliveries enable %s\" when it wants webhooks again)", s.redact(l.url), err, s.pipe)
	}
	var failed *FailedError
	if !errors.As(err, &failed) {
		return err
	}
	if derr := s.deadLetter(entry); derr != nil {
		return derr
	}
	if s.cfg.OnFailure == OnFailureDeadLetter {
		s.log.Warn("webhook message not delivered; kept as a dead letter", "webhook_id", m.ID, "url", s.redact(l.url), "error", s.redact(err.Error()))
		return nil
	}
	return fmt.Errorf("webhook %s: message %s: %w", s.redact(l.url), m.ID, err)
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
	b, _ := json.Marshal(goneMark{URL: l.url, At: time.Now().UTC(), Reason: s.redact(cause.Error())})
	return s.st.Update(func(tx *store.Tx) error { return tx.PutValue(s.goneKey(l), b) })
}

// checkGone refuses to send to an endpoint that answered 410 Gone, until
// its URL changes or it is enabled again.
func (s *Sink) checkGone(l *lane) error {
	v, ok, err := s.st.Value(s.goneKey(l))
	if err != nil || !ok {
		return err
	}
	var g goneMark
	if err := json.Unmarshal(v, &g); err != nil || g.URL != l.url {
		return err
	}
	return fmt.Errorf("webhook %s is disabled: it answered 410 Gone at %s (change its url, or run \"sluice deliveries enable %s\" when it wants webhooks again)",
		s.redact(l.url), g.At.Format(time.RFC3339), s.pipe)
}

// Enable forgets that the sink's endpoints answered 410 Gone.
func (s *Sink) Enable() error {
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
