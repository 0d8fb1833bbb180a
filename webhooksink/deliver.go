package webhooksink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/store"
	"github.com/sluice-sync/sluice/webhook"
)

// laneWrite is how one lane's plan is delivered and committed.
type laneWrite struct {
	lane    *lane
	fullRun uint64 // the full run under way, or 0
	window  webhook.Window
	// commit, when set, runs in the transaction of the lane's last write:
	// the pipe's progress.
	commit func(*store.Tx) error
}

// delivery is one prepared request: the message, its log entry, and what
// to record once it is acknowledged. The last delivery of a pipe batch
// also carries the batch's baselines and full-run marks and the pipe's
// progress; it may have no message at all when the batch sends nothing.
type delivery struct {
	lane    *lane
	msg     *webhook.Message // nil: only a commit
	entry   *webhook.Delivery
	records entity.Entity   // the state chunk of what msg delivers
	seen    entity.Entity   // in a full run, what it marks seen should msg not be delivered
	extra   []entity.Entity // baseline and full-run chunks
	commit  func(*store.Tx) error
	counter int64 // the next _message_id once this is sent
	written int
	deletes int
}

// batchJob is a pipe batch's deliveries, sent in order in the background
// while the sink prepares the next batch.
type batchJob struct {
	deliveries []*delivery
	done       chan struct{}
	stats      component.WriteStats
	err        error
	// cancel stops a job sent in the background, for Close; nil for one
	// sent while the caller waits.
	cancel context.CancelFunc
}

// prepare numbers, encodes and signs-to-be a lane's records as requests,
// and records them in the in-memory state at once (optimistically: a
// failure makes flush read the state back from the store). It checks
// first that the endpoint is not disabled and max_delete_ratio.
func (s *Sink) prepare(w laneWrite, p *plan) ([]*delivery, error) {
	if len(p.send) > 0 {
		if err := s.checkGone(w.lane); err != nil {
			return nil, err
		}
		if err := s.checkDeletes(w.lane, p.send); err != nil {
			return nil, err
		}
	}
	next, err := s.nextMessageID()
	if err != nil {
		return nil, err
	}
	var out []*delivery
	for _, recs := range s.chunks(p.send, &next) {
		m := s.message(w.lane, recs)
		c := s.state.newChunk(w.lane.name, recs, w.fullRun)
		d := &delivery{lane: w.lane, msg: m, entry: s.newLogEntry(w.lane, m, recs, w.window), records: c.entity(), written: len(recs)}
		if w.fullRun != 0 {
			// A full run saw these even if they end up as dead letters:
			// its sweep must not take them for gone.
			ids := make([]string, len(recs))
			for i, r := range recs {
				ids[i] = r.id
			}
			d.seen = s.state.seenChunk(w.lane.name, ids, w.fullRun).entity()
		}
		if err := s.state.apply(c); err != nil {
			return nil, err
		}
		for _, r := range recs {
			if r.op == "delete" {
				d.deletes++
			}
		}
		s.run.deletes[w.lane.name] += int64(d.deletes)
		out = append(out, d)
	}
	s.nextMsg = next
	var extra []*chunk
	if len(p.baseline) > 0 {
		extra = append(extra, s.state.newChunk(w.lane.name, p.baseline, w.fullRun))
	}
	if len(p.seen) > 0 {
		extra = append(extra, s.state.seenChunk(w.lane.name, p.seen, w.fullRun))
	}
	if len(out) == 0 && len(extra) == 0 && w.commit == nil {
		return nil, nil
	}
	if len(out) == 0 {
		out = append(out, &delivery{lane: w.lane})
	}
	last := out[len(out)-1]
	for _, c := range extra {
		if err := s.state.apply(c); err != nil {
			return nil, err
		}
		last.extra = append(last.extra, c.entity())
	}
	last.commit = w.commit
	for _, d := range out {
		d.counter = next
	}
	s.state.chunks += len(out) + len(extra)
	return out, nil
}

// execute sends a job's deliveries in order, each only after the previous
// one was answered, and has each acknowledged one recorded
// (commitInOrder), without waiting for that.
func (s *Sink) execute(ctx context.Context, job *batchJob) {
	defer close(job.done)
	defer func() {
		if job.err != nil {
			s.commits.stale() // the in-memory state counted the rest as sent
		}
	}()
	for _, d := range job.deliveries {
		if job.err = s.commits.failed(); job.err != nil {
			return // an earlier commit failed: send nothing more
		}
		delivered := true
		if d.msg != nil {
			if err := s.continueEntry(d.entry); err != nil {
				job.err = err
				return
			}
			var err error
			if delivered, err = s.send(ctx, d.lane, d.msg, d.entry); err != nil {
				job.err = err
				return
			}
		}
		s.commitInOrder(d, delivered)
		if delivered {
			job.stats.Written += d.written
			job.stats.Deleted += d.deletes
		}
	}
}

// continueEntry carries on the log entry of a message that was sent
// before and not delivered (a dead letter, sent again by a later run):
// its attempts go on counting, and it keeps its first time.
func (s *Sink) continueEntry(entry *webhook.Delivery) error {
	if dead, err := s.deadLetterOf(entry.WebhookID); err != nil || dead == nil {
		return err
	}
	e, ok, err := s.st.Get(s.logDataset, entry.WebhookID)
	if err != nil || !ok {
		return err
	}
	var prev webhook.Delivery
	if err := json.Unmarshal(e, &prev); err != nil {
		return err
	}
	entry.Attempt, entry.Created, entry.Resends = prev.Attempt, prev.Created, prev.Resends
	return nil
}

// commitDelivery records, in one transaction submitted without waiting,
// what an acknowledged request delivered (its state chunk, log entry and
// body, and the message counter), and, for a batch's last delivery, the
// baselines, what a full run saw, and the pipe's progress. An undelivered
// message (a dead letter) records only the latter.
func (s *Sink) commitDelivery(d *delivery, delivered bool, done func(error)) error {
	var ents []entity.Entity
	entry := d.entry
	switch {
	case d.msg != nil && delivered:
		ents = append(ents, d.records)
	case d.seen != nil:
		ents = append(ents, d.seen)
		entry = nil
	default:
		entry = nil
	}
	ents = append(ents, d.extra...)
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
	counter := strconv.AppendInt(nil, d.counter, 10)
	_, err := s.st.WriteAsync(s.stateDataset(), ents, store.WriteOptions{Commit: func(tx *store.Tx) error {
		if entry != nil {
			if _, err := tx.Write(s.logDataset, []entity.Entity{encodeDelivery(entry)}); err != nil {
				return err
			}
			if d.msg.Body != nil {
				if err := tx.PutValue(s.bodyKey(entry.WebhookID), d.msg.Body); err != nil {
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
		if d.commit != nil {
			return d.commit(tx)
		}
		return nil
	}}, done)
	if err != nil {
		return err
	}
	if dead != nil {
		s.deadMu.Lock()
		delete(s.dead, entry.WebhookID)
		s.deadMu.Unlock()
	}
	return nil
}

// commitInOrder has a delivery recorded (commitDelivery) in the
// background, once the one before it is applied, so commits reach the
// store in delivery order while the next request is already on its way,
// and none lands after one that failed (it could carry the pipe's offset
// past records whose state was lost).
func (s *Sink) commitInOrder(d *delivery, delivered bool) {
	prev, mine := s.lastSubmit, make(chan struct{})
	s.lastSubmit = mine
	finish := s.commits.start()
	done := func(err error) {
		finish(err) // the failure is on record before the next looks
		close(mine)
	}
	go func() {
		if prev != nil {
			<-prev // applied, or failed
		}
		if s.commits.failed() != nil {
			done(nil) // an earlier commit failed: this one must not land
			return
		}
		if err := s.commitDelivery(d, delivered, done); err != nil {
			done(err)
		}
	}()
}

// chunks numbers the records (message ids over the sink's life, rows from
// 1 in each run), encodes them, and cuts them into requests of batch_size
// records and at most batch_max_bytes; GET sends one record per request.
func (s *Sink) chunks(recs []*record, next *int64) [][]*record {
	limit := s.cfg.BatchSize
	if s.cfg.Method == http.MethodGet {
		limit = 1
	}
	size := 0
	for _, r := range recs {
		size += len(r.fields) + 160
	}
	slab := make([]byte, 0, size) // every record's JSON, in one allocation
	var out [][]*record
	var cur []*record
	bytes := 0
	for _, r := range recs {
		r.msgID, *next = *next, *next+1
		s.run.rows++
		r.row = s.run.rows
		start := len(slab)
		slab = s.appendRecord(slab, r)
		r.json = slab[start:len(slab):len(slab)]
		if len(cur) > 0 && (len(cur) >= limit || bytes+len(r.json)+1 > s.cfg.BatchMaxBytes) {
			out = append(out, cur)
			cur, bytes = nil, 0
		}
		cur = append(cur, r)
		bytes += len(r.json) + 1
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// message makes the request for a chunk of records.
func (s *Sink) message(l *lane, chunk []*record) *webhook.Message {
	m := &webhook.Message{ID: messageID(s.pipe+"/"+s.instance, l.name, chunk), Method: s.cfg.Method, URL: l.url, Header: http.Header{}}
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
func (s *Sink) send(ctx context.Context, l *lane, m *webhook.Message, entry *webhook.Delivery) (delivered bool, err error) {
	err = s.client.Deliver(ctx, m, func(a webhook.Attempt) error {
		s.tally.attempt(a)
		if a.Outcome == webhook.OutcomeDelivered {
			s.tally.records.Add(uint64(len(entry.EntityIDs)))
			s.applyAttempt(entry, a)
			return nil
		}
		return s.logAttempt(entry, a, m.Body)
	})
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, webhook.ErrGone):
		if gerr := s.markGone(l, err); gerr != nil {
			return false, gerr
		}
		return false, fmt.Errorf("webhook %s: %w; the endpoint is disabled (change its url, or run \"sluice deliveries enable %s\" when it wants webhooks again)", s.redact(l.url), err, s.pipe)
	}
	var failed *webhook.FailedError
	if !errors.As(err, &failed) {
		return false, err
	}
	if derr := s.deadLetter(entry); derr != nil {
		return false, derr
	}
	if s.cfg.OnFailure == OnFailureDeadLetter {
		s.commits.stale() // the state counted it delivered
		s.log.Warn("webhook message not delivered; kept as a dead letter", "webhook_id", m.ID, "url", s.redact(l.url), "error", s.redact(err.Error()))
		return false, nil
	}
	return false, fmt.Errorf("webhook %s: message %s: %w", s.redact(l.url), m.ID, err)
}
