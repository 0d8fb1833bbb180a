// Package rest implements Sesam's REST support: the "system:rest" system
// (an HTTP client with authentication, rate limiting and retries, and named
// operations whose URLs, headers, params and payloads are Jinja templates)
// and the "rest" source, transform and sink that run those operations.
package rest

import (
	"io"

	"github.com/nikolalohinski/gonja/v2"

	"github.com/sluice-sync/sluice/component"
)

func init() {
	// gonja logs through logrus by default; sluice reports errors itself.
	gonja.SetLoggerOutput(io.Discard)
}

// Register adds the REST component types to r.
func Register(r *component.Registry) error {
	for _, s := range []component.Spec{systemSpec, transformSpec, sinkSpec, sourceSpec} {
		if err := r.Register(s); err != nil {
			return err
		}
	}
	return nil
}
