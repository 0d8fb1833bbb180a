package sinks

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/pipes"
)

// HTTPEndpointConfig is the config of the "http_endpoint" sink: a publisher.
// The sink writes the pipe's entities to the dataset named after the pipe
// (like a dataset sink with its defaults), and "sluice run" serves that
// dataset at GET /api/publishers/<pipe>/entities (package receiver).
type HTTPEndpointConfig struct {
	// Filename, when set, is offered to clients as the download's name in
	// a Content-Disposition header; without it the entities are served
	// inline.
	Filename string `json:"filename"`
	// ContentDisposition is "attachment" (the default) or "inline".
	ContentDisposition string `json:"content_disposition"`
}

// Validate checks content_disposition and the filename.
func (c *HTTPEndpointConfig) Validate() error {
	var errs []error
	if c.ContentDisposition != "attachment" && c.ContentDisposition != "inline" {
		errs = append(errs, &pipes.FieldError{Field: "content_disposition", Err: fmt.Errorf(`content_disposition must be "attachment" or "inline", not %q`, c.ContentDisposition)})
	}
	if strings.ContainsAny(c.Filename, "\"\\/\r\n") {
		errs = append(errs, &pipes.FieldError{Field: "filename", Err: errors.New("filename must not contain quotes, slashes or line breaks")})
	}
	return errors.Join(errs...)
}

var HTTPEndpointSpec = component.Typed(component.KindSink, "http_endpoint",
	"Publishes the pipe's entities: writes them to the dataset named after the pipe, served at GET /api/publishers/<pipe>/entities.",
	func() *HTTPEndpointConfig { return &HTTPEndpointConfig{ContentDisposition: "attachment"} },
	func(c *HTTPEndpointConfig, env component.Env) (component.Sink, error) {
		if env.Store == nil {
			return nil, errors.New("the http_endpoint sink needs a store")
		}
		ds := &DatasetConfig{Dataset: env.PipeID, DeletionTracking: true, SetInitialOffset: InitialOffsetIfSourcePopulated}
		return &HTTPEndpointSink{datasetSink: &datasetSink{cfg: ds, store: env.Store}, Config: c}, nil
	})

// HTTPEndpointSink is the built http_endpoint sink: a dataset sink (Dataset
// names what the publisher serves) with the publisher's settings.
type HTTPEndpointSink struct {
	*datasetSink
	Config *HTTPEndpointConfig
}
