package sources

import (
	"context"

	"github.com/sluice-sync/sluice/component"
)

// EmptyConfig is the config of the "empty" source, which has no settings.
type EmptyConfig struct{}

// EmptySpec is the "empty" source.
var EmptySpec = component.Typed(component.KindSource, "empty",
	"Produces no entities, for debugging and development. It does not support `since`, so every run is a full run: a dataset sink it feeds (with deletion tracking) ends up with every entity deleted.",
	func() *EmptyConfig { return &EmptyConfig{} },
	func(*EmptyConfig, component.Env) (component.Source, error) { return emptySource{}, nil }).
	WithExample(`{"type": "empty"}`)

type emptySource struct{}

func (emptySource) SupportsSince() bool { return false }

// Populated: there is nothing more to come.
func (emptySource) Populated() bool { return true }

func (emptySource) Read(_ context.Context, _ component.ReadRequest, emit func(component.Batch) error) error {
	return emit(component.Batch{})
}
