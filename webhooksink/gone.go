package webhooksink

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/sluice-sync/sluice/store"
)

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
	return s.st.Update(func(tx *store.Tx) error { return tx.PutValue(s.goneKey(l), b) })
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
