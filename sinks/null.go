package sinks

import (
	"context"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/entity"
)

// NullConfig is the config of the "null" sink, which has no settings.
type NullConfig struct{}

// NullSpec is the "null" sink.
var NullSpec = component.Typed(component.KindSink, "null",
	"Discards every entity (they count as unchanged); for pipes that exist for their side effects (REST transforms) or for testing. It has no settings.",
	func() *NullConfig { return &NullConfig{} },
	func(*NullConfig, component.Env) (component.Sink, error) { return nullSink{}, nil }).
	WithExample(`{"type": "null"}`)

type nullSink struct{}

func (nullSink) Write(_ context.Context, es []entity.Entity) (component.WriteStats, error) {
	return component.WriteStats{Unchanged: len(es)}, nil
}
