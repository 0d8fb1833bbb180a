package webhook

import (
	"encoding/json"
	"time"

	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/store"
)

// Delivery is a message as the delivery log keeps it: one version per
// attempt in the dataset system:webhook_log:<pipe> (its history is every
// attempt), with the body, so it can be resent as it was.
type Delivery struct {
	ID         string         `json:"_id"`
	WebhookID  string         `json:"webhook_id"`
	Stream     string         `json:"stream"`
	Method     string         `json:"method"`
	URL        string         `json:"url"`
	EntityIDs  []string       `json:"entity_ids"`
	Ops        map[string]int `json:"ops"`
	MessageIDs [2]int64       `json:"message_ids"` // the first and last record's _message_id
	Window     window         `json:"window"`      // the source offsets its records came from
	Created    time.Time      `json:"created"`     // its first attempt
	Attempt    int            `json:"attempt"`
	Time       time.Time      `json:"time"`
	Status     int            `json:"status"`
	LatencyMS  float64        `json:"latency_ms"`
	Response   string         `json:"response,omitempty"`
	Error      string         `json:"error,omitempty"`
	Outcome    string         `json:"outcome"`
	Resends    int            `json:"resends,omitempty"`
	// Query is a GET message's record, as the query it sends.
	Query string `json:"query,omitempty"`
	// Body is the request body as sent (absent for GET, whose URL holds
	// the record).
	Body json.RawMessage `json:"body,omitempty"`
}

// newLogEntry starts the log entry of a message about to be sent.
func (s *Sink) newLogEntry(l *lane, m *Message, chunk []*record, win window) *Delivery {
	d := &Delivery{ID: m.ID, WebhookID: m.ID, Stream: l.name, Method: m.Method, URL: s.redact(m.URL),
		Ops: map[string]int{}, Window: win, Body: m.Body}
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

// logAttempt records an attempt as the entry's next version.
func (s *Sink) logAttempt(d *Delivery, a Attempt) error {
	if d.Created.IsZero() {
		d.Created = a.Time
	}
	d.Attempt++
	d.Time, d.Status, d.Response, d.Error, d.Outcome = a.Time, a.Status, s.redact(a.Response), s.redact(a.Error), a.Outcome
	d.LatencyMS = float64(a.Latency.Microseconds()) / 1000
	_, err := s.st.Write(s.logDataset, []entity.Entity{d.encode()}, store.WriteOptions{})
	return err
}

// encode writes the entry as an entity, splicing the body in as it is
// (it is JSON already) rather than having encoding/json re-check it.
func (d *Delivery) encode() entity.Entity {
	body := d.Body
	d.Body = nil
	b, _ := json.Marshal(d) // plain fields only: cannot fail
	d.Body = body
	if len(body) == 0 {
		return b
	}
	out := make([]byte, 0, len(b)+len(body)+8)
	out = append(out, b[:len(b)-1]...)
	out = append(out, `,"body":`...)
	out = append(out, body...)
	return append(out, '}')
}

// deadLetter keeps a message that was not delivered within its retries.
func (s *Sink) deadLetter(d *Delivery) error {
	_, err := s.st.Write(s.deadDataset, []entity.Entity{d.encode()}, store.WriteOptions{})
	return err
}

// clearDeadLetter deletes a message from the dead letters once it is
// delivered (by a later run, a resend or a replay).
func (s *Sink) clearDeadLetter(id string) error {
	var dead entity.Entity
	err := s.st.GetMany(s.deadDataset, []string{id}, func(_ int, e []byte) error {
		if !entity.Deleted(e) {
			dead = entity.WithDeleted(e)
		}
		return nil
	})
	if err != nil || dead == nil {
		return err
	}
	_, err = s.st.Write(s.deadDataset, []entity.Entity{dead}, store.WriteOptions{})
	return err
}
