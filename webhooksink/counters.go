package webhooksink

import (
	"sync/atomic"
	"time"

	"github.com/sluice-sync/sluice/webhook"
)

// counters are kept atomically: attempts happen off the run's goroutine.
type counters struct {
	delivered, retrying, failed, gone atomic.Uint64
	records                           atomic.Uint64
	latency                           atomic.Int64
}

func (c *counters) attempt(a webhook.Attempt) {
	switch a.Outcome {
	case webhook.OutcomeDelivered:
		c.delivered.Add(1)
	case webhook.OutcomeRetrying:
		c.retrying.Add(1)
	case webhook.OutcomeFailed:
		c.failed.Add(1)
	case webhook.OutcomeGone:
		c.gone.Add(1)
	}
	c.latency.Add(int64(a.Latency))
}

// Counters reports the sink's totals.
func (s *Sink) Counters() webhook.Counters {
	c := &s.tally
	return webhook.Counters{
		Attempts: map[string]uint64{webhook.OutcomeDelivered: c.delivered.Load(), webhook.OutcomeRetrying: c.retrying.Load(), webhook.OutcomeFailed: c.failed.Load(), webhook.OutcomeGone: c.gone.Load()},
		Records:  c.records.Load(),
		Latency:  time.Duration(c.latency.Load()),
	}
}
