package sinks

import (
	"errors"
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
	Filename string `json:"filename" doc:"offered to clients as the download's name in a Content-Disposition header; without it the entities are served inline"`
	// ContentDisposition is "attachment" (the default) or "inline".
	ContentDisposition string `json:"content_disposition" enum:"attachment,inline" doc:"the Content-Disposition type sent with filename"`

	dataset string // the pipe's _id, set by PipeDefaults
}

// Validate checks content_disposition and the filename.
func (c *HTTPEndpointConfig) Validate() error {
	var errs []error
	if strings.ContainsAny(c.Filename, "\"\\/\r\n") {
		errs = append(errs, &pipes.FieldError{Field: "filename", Err: errors.New("filename must not contain quotes, slashes or line breaks")})
	}
	return errors.Join(errs...)
}

// HTTPEndpointSpec is the "http_endpoint" sink.
var HTTPEndpointSpec = component.Typed(component.KindSink, "http_endpoint",
	"Publishes the pipe's entities: writes them to the dataset named after the pipe, which `sluice run` serves at `GET /api/publishers/<pipe>/entities?since=N&limit=M` (default limit 1000, at most 100000; `deleted=false` leaves deleted ones out): the latest version of each entity after offset `since`, as a JSON array in offset order, with headers `X-Dataset-Id`, `X-Dataset-Last-Offset` (pass it as the next `since`), `X-Dataset-Populated` and `X-Dataset-Entities`.",
	func() *HTTPEndpointConfig { return &HTTPEndpointConfig{ContentDisposition: "attachment"} },
	func(c *HTTPEndpointConfig, env component.Env) (component.Sink, error) {
		if env.Store == nil {
			return nil, errors.New("the http_endpoint sink needs a store")
		}
		ds := &DatasetConfig{Dataset: env.PipeID, DeletionTracking: true, SetInitialOffset: InitialOffsetIfSourcePopulated}
		return &HTTPEndpointSink{datasetSink: &datasetSink{cfg: ds, store: env.Store}, Config: c}, nil
	}).
	WithExample(`{"type": "http_endpoint", "filename": "customers.json"}`)

// HTTPEndpointSink is the built http_endpoint sink: a dataset sink (Dataset
// names what the publisher serves) with the publisher's settings.
type HTTPEndpointSink struct {
	*datasetSink
	Config *HTTPEndpointConfig
}
