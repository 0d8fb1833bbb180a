package sinks

import (
	"fmt"

	"github.com/sluice-sync/sluice/component"
)

var _ component.PublishedSink = (*HTTPEndpointSink)(nil)

// ContentDisposition offers the entities as a download named filename,
// when the config names one.
func (s *HTTPEndpointSink) ContentDisposition() string {
	if c := s.Config; c != nil && c.Filename != "" {
		return fmt.Sprintf("%s; filename=%q", c.ContentDisposition, c.Filename)
	}
	return ""
}
