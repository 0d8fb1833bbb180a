// Package jinja compiles and renders Jinja templates (gonja) over sluice's
// values: plain values decoded from JSON and DTL values. It knows no
// component: the rest operations and the http_endpoint source's
// validation_expression both render through it.
package jinja

import (
	"io"

	"github.com/nikolalohinski/gonja/v2"
)

func init() {
	// gonja logs through logrus by default; sluice reports errors itself.
	gonja.SetLoggerOutput(io.Discard)
}
