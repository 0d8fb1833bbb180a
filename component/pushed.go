package component

import (
	"net/http"
	"time"

	"github.com/sluice-sync/sluice/entity"
)

// ReceivingSource is a pushed source that "sluice run" serves at POST
// /api/receivers/<pipe>/entities. The receiver knows a source only through
// it, so a source type keeps its settings and request checks to itself.
// Each check answers for itself: an error of Precheck or Verify means the
// sender is not who it should be (401), a reason from CheckRequest that
// the request is not acceptable (403).
type ReceivingSource interface {
	PushedSource
	// Receiving returns what the receiver needs to know of the source.
	Receiving() ReceiverSettings
	// Precheck runs what of the request checks needs no body, so that a
	// request that cannot pass is refused before its body is read.
	Precheck(h http.Header, now time.Time) error
	// Verify runs the request checks on the headers and the raw body; all
	// must pass. A message that carries its own id (Standard Webhooks)
	// gives it, and how long to remember it to refuse replays; otherwise
	// webhookID is "".
	Verify(h http.Header, body []byte, now time.Time) (webhookID string, keep time.Duration, err error)
	// CheckRequest runs the checks on the parsed request: a reason that is
	// not "" rejects it, an error says the check could not run.
	CheckRequest(req *ReceivedRequest) (reason string, err error)
}

// ReceiverSettings are a receiving source's settings that the receiver
// applies.
type ReceiverSettings struct {
	// Disabled refuses every request (503).
	Disabled bool
	// MaxBodyBytes caps the request body (413 beyond).
	MaxBodyBytes int64
	// Log keeps one entity per request in the pipe's receiver log, bounded
	// by LogMaxEntries and LogMaxAge.
	Log           bool
	LogMaxEntries int
	LogMaxAge     time.Duration
	// AutoPopulateDataset marks the sink's dataset populated once
	// entities have been received.
	AutoPopulateDataset bool
	// Secrets are the values hidden as "***" in answers and the log.
	Secrets []string
	// HiddenHeaders are headers the log shows as "***" whatever they
	// hold: those the checks read a secret or a signature from.
	HiddenHeaders []string
}

// ReceivedRequest is a request whose body is read and parsed, for
// ReceivingSource.CheckRequest.
type ReceivedRequest struct {
	HTTP *http.Request
	// Body is the raw body; Entities are its items (objects), and NDJSON
	// says whether it held one a line.
	Body     []byte
	Entities []entity.Entity
	NDJSON   bool
	// Secret looks up a secret by name (nil: none is set).
	Secret func(name string) (string, bool)
}

// PublishedSink is a sink whose dataset "sluice run" serves at GET
// /api/publishers/<pipe>/entities; the publisher knows a sink only
// through it.
type PublishedSink interface {
	Sink
	// Dataset names the dataset served.
	Dataset() string
	// ContentDisposition is the Content-Disposition header of the answer,
	// "" for none.
	ContentDisposition() string
}

// PulledSink is a sink whose pipe is read when a client asks for it
// (Sesam's csv_endpoint): a run of the pipe does nothing, and the
// publisher reads the source through the transforms on each request
// (engine.Pull). A pushed source's entities still reach the sink.
type PulledSink interface {
	Sink
	Pulled()
}

// CSVPublishedSink is a sink whose pipe "sluice run" serves as CSV at GET
// /api/publishers/<pipe>/csv: the publisher reads the pipe (or, when its
// source is pushed, the dataset the sink keeps), the sink turns entities
// into rows in its own format.
type CSVPublishedSink interface {
	PulledSink
	// Dataset names the dataset the sink keeps what a pushed source
	// receives in.
	Dataset() string
	// SkipDeleted leaves deleted entities out.
	SkipDeleted() bool
	// CSVContentType is the answer's Content-Type.
	CSVContentType() string
	// CSVContentDisposition is the Content-Disposition header of the
	// answer, "" for none; filename is the one the URL names, if any.
	CSVContentDisposition(filename string) string
	// AppendCSVHead appends what the file starts with (a byte order mark,
	// the header row), and AppendCSVRow an entity's row, both encoded.
	AppendCSVHead(dst []byte) ([]byte, error)
	AppendCSVRow(dst []byte, e entity.Entity) ([]byte, error)
}
