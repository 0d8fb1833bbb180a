package engine

import (
	"errors"
	"fmt"

	"github.com/sluice-sync/sluice/webhook"
)

// ErrNotWebhook reports a pipe whose sink is not a webhook sink.
var ErrNotWebhook = errors.New("its sink is not a webhook sink")

// WebhookSink finds a pipe's webhook sink, for its deliveries.
func (e *Engine) WebhookSink(pipe string) (*webhook.Sink, error) {
	p, err := e.Pipe(pipe)
	if err != nil {
		return nil, err
	}
	s, ok := p.Sink.(*webhook.Sink)
	if !ok {
		return nil, fmt.Errorf("pipe %q: %w", pipe, ErrNotWebhook)
	}
	return s, nil
}
