package webhook

import (
	"sync/atomic"
	"time"
)

// Counters are a sink's running totals since it was built, for metrics.
type Counters struct {
	// Attempts by outcome: delivered, retrying, failed, gone.
	Attempts map[string]uint64
	// Records delivered, and the time attempts took in all.
	Records uint64
	Latency time.Duration
}

// counters are kept atomically: attempts happen off the run's goroutine.
type counters struct {
	delivered, retrying, failed, gone atomic.Uint64
	records                           atomic.Uint64
	latency                           atomic.Int64
}

func (c *counters) attempt(a Attempt) {
	switch a.Outcome {
	case OutcomeDelivered:
		c.delivered.Add(1)
	case OutcomeRetrying:
		c.retrying.Add(1)
	case OutcomeFailed:
		c.failed.Add(1)
	case OutcomeGone:
		c.gone.Add(1)
	}
	c.latency.Add(int64(a.Latency))
}

// Counters reports the sink's totals.
func (s *Sink) Counters() Counters {
	c := &s.tally
	return Counters{
		Attempts: map[string]uint64{OutcomeDelivered: c.delivered.Load(), OutcomeRetrying: c.retrying.Load(), OutcomeFailed: c.failed.Load(), OutcomeGone: c.gone.Load()},
		Records:  c.records.Load(),
		Latency:  time.Duration(c.latency.Load()),
	}
}
