package sources

import (
	"context"

	"github.com/sluice-sync/sluice/component"
)

// HTTPEndpointConfig is the config of the "http_endpoint" source. Entities
// are pushed to it (POST /api/receivers/<pipe>/entities, served by
// "sluice run") and written straight to the pipe's dataset; pumping the
// pipe reads nothing.
type HTTPEndpointConfig struct{}

var httpEndpointSpec = component.Typed(component.KindSource, "http_endpoint",
	"Receives entities pushed over HTTP to the pipe's receiver endpoint; a pump reads nothing.",
	func() *HTTPEndpointConfig { return &HTTPEndpointConfig{} },
	func(*HTTPEndpointConfig, component.Env) (component.Source, error) { return httpEndpoint{}, nil })

type httpEndpoint struct{}

func (httpEndpoint) SupportsSince() bool { return true }

// Pushed marks the source as pushed to: pumps leave its dataset alone.
func (httpEndpoint) Pushed() {}

func (httpEndpoint) Read(_ context.Context, req component.ReadRequest, emit func(component.Batch) error) error {
	return emit(component.Batch{Since: req.Since})
}
