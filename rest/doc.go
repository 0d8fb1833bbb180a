// Package rest implements Sesam's REST support: the "system:rest" system
// (an HTTP client with authentication, rate limiting and retries, and named
// operations whose URLs, headers, params and payloads are Jinja templates)
// and the "rest" source, transform and sink that run those operations.
package rest

import (
	"io"

	"github.com/nikolalohinski/gonja/v2"
)

func init() {
	// gonja logs through logrus by default; sluice reports errors itself.
	gonja.SetLoggerOutput(io.Discard)
}
