package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// DeliveryLog is what the management API and the command line ask of a
// pipe's webhook sink. They find it by asserting the pipe's built sink to
// it, so neither needs to know the sink's package.
type DeliveryLog interface {
	// Deliveries lists the delivery log, oldest first.
	Deliveries(opts ListOptions) ([]Delivery, error)
	// Resend sends one logged message again, as it was, with its original
	// webhook-id; a webhook-id the log does not have is ErrNoDelivery.
	Resend(ctx context.Context, webhookID string) (*Delivery, error)
	// Replay sends the chosen delivered messages again, oldest first,
	// stopping at the first that is not delivered; it returns those sent.
	Replay(ctx context.Context, opts ReplayOptions) ([]Delivery, error)
	// Enable forgets that the sink's endpoints answered 410 Gone.
	Enable() error
}

// ErrNotWebhookSink reports a pipe whose sink keeps no delivery log.
var ErrNotWebhookSink = errors.New("its sink is not a webhook sink")

// ErrNoDelivery reports a webhook-id the delivery log does not have.
var ErrNoDelivery = errors.New("no such delivery")

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
	Window     Window         `json:"window"`      // the source offsets its records came from
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

// Window is the source offsets a message's records came from.
type Window struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// ListOptions select deliveries from the log.
type ListOptions struct {
	Since    time.Time // first attempted at or after
	Outcome  string    // only messages whose last attempt had this outcome
	Limit    int       // the newest this many; 0 for all
	Attempts bool      // every attempt, not only each message's last
	Body     bool      // include request bodies
	Dead     bool      // the dead letters instead of the log
}

// ReplayOptions choose what to send again: the messages whose records
// came from source offsets in (FromOffset, ToOffset], and/or those first
// sent at or after Since. Only messages that were delivered are replayed:
// one that never was may have been overtaken by a later version, and
// replaying it would leave the receiver with stale data (resend it by id
// if that is what you want).
type ReplayOptions struct {
	FromOffset, ToOffset *int64
	Since                time.Time
}

// Counters are a webhook sink's running totals since it was built, for
// metrics.
type Counters struct {
	// Attempts by outcome: delivered, retrying, failed, gone.
	Attempts map[string]uint64
	// Records delivered, and the time attempts took in all.
	Records uint64
	Latency time.Duration
}
