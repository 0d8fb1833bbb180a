package webhooksink

import (
	"encoding/json"
	"errors"

	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/store"
	"github.com/sluice-sync/sluice/webhook"
)

// newLogEntry starts the log entry of a message about to be sent.
func (s *Sink) newLogEntry(l *lane, m *webhook.Message, chunk []*record, win webhook.Window) *webhook.Delivery {
	d := &webhook.Delivery{ID: m.ID, WebhookID: m.ID, Stream: l.name, Method: m.Method, URL: s.redact(m.URL),
		Ops: map[string]int{}, Window: win}
	if m.Method == "GET" {
		d.Query = query(chunk[0].json)
	}
	d.EntityIDs = make([]string, len(chunk))
	for i, r := range chunk {
		d.EntityIDs[i] = r.id
		d.Ops[r.op]++
	}
	d.MessageIDs = [2]int64{chunk[0].msgID, chunk[len(chunk)-1].msgID}
	return d
}

// applyAttempt notes an attempt in the entry, which becomes its next
// version.
func (s *Sink) applyAttempt(d *webhook.Delivery, a webhook.Attempt) {
	if d.Created.IsZero() {
		d.Created = a.Time
	}
	d.Attempt++
	d.Time, d.Status, d.Response, d.Error, d.Outcome = a.Time, a.Status, s.redact(a.Response), s.redact(a.Error), a.Outcome
	d.LatencyMS = float64(a.Latency.Microseconds()) / 1000
}

// logAttempt records an attempt as the entry's next version right away,
// with the body kept beside it, so a message that is never delivered can
// still be inspected and resent.
func (s *Sink) logAttempt(d *webhook.Delivery, a webhook.Attempt, body []byte) error {
	s.applyAttempt(d, a)
	_, err := s.st.Write(s.logDataset, []entity.Entity{encodeDelivery(d)}, store.WriteOptions{Commit: func(tx *store.Tx) error {
		if body == nil {
			return nil
		}
		return tx.PutValue(s.bodyKey(d.WebhookID), body)
	}})
	return err
}

// bodyKey names where a message's body is kept: beside the log, not in it,
// so the log stays small and a body is stored once however often it is
// sent.
func (s *Sink) bodyKey(webhookID string) string { return "webhook:" + s.pipe + ":body:" + webhookID }

// encodeDelivery writes a log entry as an entity (without the body).
func encodeDelivery(d *webhook.Delivery) entity.Entity {
	body := d.Body
	d.Body = nil
	b, _ := json.Marshal(d) // plain fields only: cannot fail
	d.Body = body
	return b
}

// deadLetter keeps a message that was not delivered within its retries.
func (s *Sink) deadLetter(d *webhook.Delivery) error {
	if _, err := s.st.Write(s.deadDataset, []entity.Entity{encodeDelivery(d)}, store.WriteOptions{}); err != nil {
		return err
	}
	s.deadMu.Lock()
	if s.dead != nil {
		s.dead[d.WebhookID] = true
	}
	s.deadMu.Unlock()
	return nil
}

// deadLetterOf returns the deletion of a message's dead letter, if it has
// a live one: what to write once it is delivered.
func (s *Sink) deadLetterOf(id string) (entity.Entity, error) {
	s.deadMu.Lock()
	defer s.deadMu.Unlock()
	if s.dead == nil {
		live := map[string]bool{}
		err := s.st.Scan(s.deadDataset, store.ReadOptions{SkipDeleted: true}, func(_ uint64, e []byte) error {
			id, err := entity.ID(e)
			live[id] = true
			return err
		})
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		s.dead = live
	}
	if !s.dead[id] {
		return nil, nil
	}
	var dead entity.Entity
	err := s.st.GetMany(s.deadDataset, []string{id}, func(_ int, e []byte) error {
		if !entity.Deleted(e) {
			dead = entity.WithDeleted(e)
		}
		return nil
	})
	return dead, err
}

// clearDeadLetter deletes a message from the dead letters once it is
// delivered by a resend or a replay.
func (s *Sink) clearDeadLetter(id string) error {
	dead, err := s.deadLetterOf(id)
	if err != nil || dead == nil {
		return err
	}
	if _, err = s.st.Write(s.deadDataset, []entity.Entity{dead}, store.WriteOptions{}); err != nil {
		return err
	}
	s.deadMu.Lock()
	delete(s.dead, id)
	s.deadMu.Unlock()
	return nil
}
