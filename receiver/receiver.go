// Package receiver serves the HTTP side of pipes that talk to the outside
// world by HTTP: receivers (POST /api/receivers/{pipe}/entities, Sesam's
// JSON push into a pipe with an http_endpoint source) and publishers (GET
// /api/publishers/{pipe}/entities, JSON pull from a pipe with an
// http_endpoint sink). "sluice run" mounts the two handlers.
package receiver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/httpjson"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
)

// Options configure a Receiver.
type Options struct {
	// Engine returns the current engine; the service swaps it when the
	// config is reloaded. A nil engine answers 503.
	Engine func() *engine.Engine
	// Logger gets one line per failed request; nil means slog.Default().
	Logger *slog.Logger
	// Observe, when set, is told the outcome of every receiver request
	// (one of the Outcome constants), the number of entities in its body
	// and how long it took.
	Observe func(pipe, outcome string, entities int, d time.Duration)
	// Secrets, when set, backs the secret('name') function of
	// validation_expression templates (as in Sesam); use the lookup the
	// config was loaded with.
	Secrets func(name string) (string, bool)
	// BodyBudget caps the bytes of request bodies held in memory by all
	// requests in flight together; zero means DefaultBodyBudget.
	BodyBudget int64
}

// Outcomes of a receiver request, for Observe and the receiver log.
const (
	OutcomeOK                   = "ok"
	OutcomeDuplicate            = "duplicate" // a Standard Webhooks message already accepted: 200, nothing written
	OutcomeRejected             = "rejected"  // 401 or 403: validation failed
	OutcomeBadRequest           = "bad_request"
	OutcomeTooLarge             = "too_large"
	OutcomeBusy                 = "busy"      // 503: the body budget is spent; retry
	OutcomeDiskFull             = "disk_full" // 507: the data folder's disk is below its reserve
	OutcomeUnsupportedMediaType = "unsupported_media_type"
	OutcomeDisabled             = "disabled"
	OutcomeNotFound             = "not_found"
	OutcomeConflict             = "conflict"
	OutcomeError                = "error"
)

// LogDatasetPrefix starts the name of a pipe's receiver-log dataset.
const LogDatasetPrefix = "system:receiver_log:"

// Receiver serves receivers and publishers. It keeps, in memory, the
// Standard Webhooks message ids it accepted (for de-duplication) and the
// full-sync sequence under way per pipe; both outlive engine swaps.
type Receiver struct {
	opts Options
	log  *slog.Logger
	now  func() time.Time

	seen      *replayCache
	sequences sequences
	budget    *bodyBudget
	logs      logPruner
}

// New makes a Receiver.
func New(opts Options) *Receiver {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	budget := opts.BodyBudget
	if budget <= 0 {
		budget = DefaultBodyBudget
	}
	return &Receiver{opts: opts, log: log, now: time.Now, seen: newReplayCache(), budget: &bodyBudget{limit: budget}}
}

func (rc *Receiver) engine() *engine.Engine {
	if rc.opts.Engine == nil {
		return nil
	}
	return rc.opts.Engine()
}

// result is how a request ends.
type result struct {
	status   int
	outcome  string
	msg      string // the error, for statuses other than 200
	entities int
	// retryAfter, in seconds, tells the sender when to try again (503, 507).
	retryAfter int
}

func fail(status int, outcome, format string, args ...any) *result {
	return &result{status: status, outcome: outcome, msg: fmt.Sprintf(format, args...)}
}

// request is one receiver request on its way through.
type request struct {
	r         *http.Request
	id        string // X-Request-Id, the receiver log entity's _id
	pipe      string
	eng       *engine.Engine
	p         *engine.Pipe
	src       component.ReceivingSource
	cfg       *component.ReceiverSettings // the source's
	body      []byte
	bodyBytes int64
	sync      syncParams
	webhookID string
	// accept records the request's webhook-id as accepted, in the
	// transaction that writes its entities.
	accept func(*store.Tx) error
}

// ServeReceive handles POST /api/receivers/{pipe}/entities: it validates
// the request, and writes the entities of its body through the pipe's
// transforms to its sink, answering 200 {} once the write is durable.
// Every failure answers {"error": "...", "status": N} and writes nothing.
func (rc *Receiver) ServeReceive(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	q := &request{r: r, id: uuid.NewString(), pipe: r.PathValue("pipe"), bodyBytes: max(r.ContentLength, 0)}
	w.Header().Set("X-Request-Id", q.id)
	res := rc.receive(w, q)
	elapsed := time.Since(start)
	res.msg = truncate(q.redact(res.msg), httpjson.MaxErrorBytes)
	if q.cfg != nil && q.cfg.Log {
		rc.writeLog(q, res, start, elapsed)
	}
	if rc.opts.Observe != nil {
		rc.opts.Observe(q.pipe, res.outcome, res.entities, elapsed)
	}
	if res.status >= 500 {
		rc.log.Warn("receiver request failed", "pipe", q.pipe, "request_id", q.id, "status", res.status, "error", res.msg)
	} else if res.status >= 400 {
		rc.log.Info("receiver request refused", "pipe", q.pipe, "request_id", q.id, "status", res.status, "error", res.msg)
	}
	if res.status != http.StatusOK {
		if res.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(res.retryAfter))
		}
		httpjson.Error(w, res.status, res.msg)
		return
	}
	httpjson.Write(w, http.StatusOK, struct{}{})
}

func (rc *Receiver) receive(w http.ResponseWriter, q *request) *result {
	r := q.r
	if q.eng = rc.engine(); q.eng == nil {
		return fail(http.StatusServiceUnavailable, OutcomeDisabled, "the service is not ready: no config is loaded")
	}
	p, err := q.eng.Pipe(q.pipe)
	if err != nil {
		return fail(http.StatusNotFound, OutcomeNotFound, "no pipe %q", q.pipe)
	}
	q.p = p
	src, ok := p.Source.(component.ReceivingSource)
	if !ok {
		return fail(http.StatusNotFound, OutcomeNotFound, "pipe %q does not receive entities: its source is of type %q, not \"http_endpoint\"", q.pipe, p.Config.Source.Type)
	}
	cfg := src.Receiving()
	q.src, q.cfg = src, &cfg
	if res := rc.checkEnabled(q); res != nil {
		return res
	}
	ndjson, res := contentType(r.Header.Get("Content-Type"))
	if res != nil {
		return res
	}
	if r.ContentLength > cfg.MaxBodyBytes {
		return fail(http.StatusRequestEntityTooLarge, OutcomeTooLarge, "the body (%d bytes) is larger than the pipe's limit of %d bytes (max_body_bytes)", r.ContentLength, cfg.MaxBodyBytes)
	}
	// Signatures and shared secrets first: nothing about the body is
	// looked at, or told, before the sender is known. What needs no body
	// is checked before the body is read, so an unsigned flood costs no
	// memory.
	if err := src.Precheck(r.Header, rc.now()); err != nil {
		return fail(http.StatusUnauthorized, OutcomeRejected, "%v", err)
	}
	if err := q.eng.Store().CheckSpace(); err != nil {
		return storeFailure(err)
	}
	body, held, err := rc.budget.readBody(w, r, cfg.MaxBodyBytes)
	defer rc.budget.give(held)
	q.body, q.bodyBytes = body, int64(len(body))
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			return fail(http.StatusRequestEntityTooLarge, OutcomeTooLarge, "the body is larger than the pipe's limit of %d bytes (max_body_bytes)", cfg.MaxBodyBytes)
		}
		if errors.Is(err, errBudget) {
			res := fail(http.StatusServiceUnavailable, OutcomeBusy, "%v", err)
			res.retryAfter = 2
			return res
		}
		return fail(http.StatusBadRequest, OutcomeBadRequest, "reading the body: %v", err)
	}

	// The body is in: from here the sender waits for its answer on purpose
	// (a write may wait on deliveries), and the answer is small.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})

	wid, keep, err := src.Verify(r.Header, body, rc.now())
	if err != nil {
		return fail(http.StatusUnauthorized, OutcomeRejected, "%v", err)
	}
	if wid != "" {
		key := q.pipe + "\x00" + wid
		q.webhookID = wid
		switch rc.seen.reserve(key, rc.now()) {
		case replaySeen:
			return &result{status: http.StatusOK, outcome: OutcomeDuplicate}
		case replayInFlight:
			return fail(http.StatusConflict, OutcomeConflict, "a message with webhook-id %q is being received right now; retry later", wid)
		}
		accepted := false
		until := rc.now().Add(keep)
		defer func() {
			if accepted {
				rc.seen.accept(key, until)
			} else {
				rc.seen.release(key)
			}
		}()
		seen, err := wasAccepted(q.eng.Store(), key)
		if err != nil {
			return fail(http.StatusInternalServerError, OutcomeError, "reading the webhook-ids already accepted: %v", err)
		}
		if seen {
			accepted = true // remembered again in memory, until a bit later than the store would
			return &result{status: http.StatusOK, outcome: OutcomeDuplicate}
		}
		q.accept = markAccepted(key, until, keep)
		res := rc.receiveBody(q, ndjson)
		accepted = res.status == http.StatusOK
		return res
	}
	return rc.receiveBody(q, ndjson)
}

// receiveBody parses and checks the body, runs validation_expression and
// writes the entities.
func (rc *Receiver) receiveBody(q *request, ndjson bool) *result {
	var err error
	if q.sync, err = parseSyncParams(q.r.URL.Query()); err != nil {
		return fail(http.StatusBadRequest, OutcomeBadRequest, "%v", err)
	}
	parse := parseJSON
	if ndjson {
		parse = parseNDJSON
	}
	es, err := parse(q.body)
	if err != nil {
		return fail(http.StatusBadRequest, OutcomeBadRequest, "%v", err)
	}
	if len(q.p.Transforms) == 0 {
		// Without transforms the items are the entities: each must be one a
		// dataset accepts. Transforms may make the _id, so only the JSON
		// checks (UTF-8, no duplicate keys) apply then, as parse did them.
		for i, e := range es {
			if err := entity.Check(e); err != nil {
				return &result{status: http.StatusBadRequest, outcome: OutcomeBadRequest, entities: len(es), msg: itemError(q.body, i, len(es), ndjson, err)}
			}
		}
	}
	reason, err := q.src.CheckRequest(&component.ReceivedRequest{HTTP: q.r, Body: q.body, Entities: es, NDJSON: ndjson, Secret: rc.opts.Secrets})
	if err != nil {
		return &result{status: http.StatusInternalServerError, outcome: OutcomeError, entities: len(es), msg: err.Error()}
	}
	if reason != "" {
		return &result{status: http.StatusForbidden, outcome: OutcomeRejected, entities: len(es), msg: reason}
	}
	res := rc.write(q, es)
	res.entities = len(es)
	return res
}

// itemError says which item of the body err is about: its line in NDJSON
// (as the syntax errors say), its index in an array.
func itemError(body []byte, i, n int, ndjson bool, err error) string {
	switch {
	case ndjson:
		return fmt.Sprintf("line %d (entity %d of %d): %v", ndjsonLine(body, i), i+1, n, err)
	case n == 1:
		return err.Error()
	}
	return fmt.Sprintf("item %d of the array: %v", i, err)
}

// ndjsonLine is the line number of the i-th entity (from 0) of an NDJSON
// body, whose blank lines hold none.
func ndjsonLine(body []byte, i int) int {
	line := 1
	for len(body) > 0 {
		end := bytes.IndexByte(body, '\n')
		if end < 0 {
			end = len(body)
		}
		if !isBlank(body[:end]) {
			if i == 0 {
				return line
			}
			i--
		}
		body = body[min(end+1, len(body)):]
		line++
	}
	return line
}

// checkEnabled refuses requests to a disabled pipe.
func (rc *Receiver) checkEnabled(q *request) *result {
	switch {
	case q.cfg.Disabled:
		return fail(http.StatusServiceUnavailable, OutcomeDisabled, "pipe %q does not accept entities: its source is disabled", q.pipe)
	case q.p.Config.Pump.Mode == pipes.ModeOff:
		return fail(http.StatusServiceUnavailable, OutcomeDisabled, "pipe %q does not accept entities: its pump mode is \"off\"", q.pipe)
	}
	st, err := q.eng.Store().PipeState(q.pipe)
	if err != nil {
		return fail(http.StatusInternalServerError, OutcomeError, "%v", err)
	}
	if st.Disabled {
		return fail(http.StatusServiceUnavailable, OutcomeDisabled, "pipe %q does not accept entities: it is disabled (enable it first)", q.pipe)
	}
	return nil
}

// contentType accepts JSON (application/json, or any application/*+json)
// and NDJSON (application/x-ndjson, application/ndjson: one object a line).
func contentType(header string) (ndjson bool, res *result) {
	if header == "" {
		return false, fail(http.StatusUnsupportedMediaType, OutcomeUnsupportedMediaType, "the request has no Content-Type; send application/json")
	}
	mt, _, err := mime.ParseMediaType(header)
	if err != nil {
		return false, fail(http.StatusUnsupportedMediaType, OutcomeUnsupportedMediaType, "bad Content-Type %q: %v", header, err)
	}
	switch {
	case mt == "application/json", strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"):
		return false, nil
	case mt == "application/x-ndjson", mt == "application/ndjson":
		return true, nil
	}
	return false, fail(http.StatusUnsupportedMediaType, OutcomeUnsupportedMediaType, "Content-Type %q is not supported; send application/json (or application/x-ndjson)", mt)
}

// write sends the entities into the pipe, within the request's full-sync
// sequence if it has one.
func (rc *Receiver) write(q *request, es []entity.Entity) *result {
	if q.sync.full {
		return rc.writeFull(q, es)
	}
	if res := rc.checkIncremental(q); res != nil {
		return res
	}
	return rc.receiveEntities(q, es, 0)
}

// receiveEntities writes through Engine.Receive, which returns once the
// write is durable: all of it, or nothing.
func (rc *Receiver) receiveEntities(q *request, es []entity.Entity, fullRun uint64) *result {
	ctx := q.r.Context()
	completeness, err := requestCompleteness(q.r)
	if err != nil {
		return fail(http.StatusBadRequest, OutcomeBadRequest, "%v", err)
	}
	if _, err := q.eng.Receive(ctx, q.pipe, es, engine.ReceiveOptions{FullRun: fullRun, Commit: q.accept, Completeness: completeness}); err != nil {
		if errors.Is(err, engine.ErrNotPushed) {
			return fail(http.StatusNotFound, OutcomeNotFound, "%v", err)
		}
		return storeFailure(err)
	}
	if q.cfg.AutoPopulateDataset {
		if ds := q.p.SinkDataset(); ds != "" {
			st := q.eng.Store()
			if info, ok := st.Dataset(ds); ok && !info.Populated {
				if err := st.SetPopulated(ds); err != nil {
					rc.log.Warn("receiver: marking the dataset populated", "pipe", q.pipe, "dataset", ds, "error", err)
				}
			}
		}
	}
	return &result{status: http.StatusOK, outcome: OutcomeOK}
}

// storeFailure answers a write that failed: the sender's fault (an entity
// a dataset refuses, a batch too big for one transaction) gets a 4xx that
// says what to change, a full disk 507 with Retry-After, anything else 500.
func storeFailure(err error) *result {
	var tooBig *store.TooBigError
	switch {
	case errors.As(err, &tooBig):
		return fail(http.StatusRequestEntityTooLarge, OutcomeTooLarge,
			"the request's %d entities do not fit in one transaction, and a request is written all or nothing: send at most about %d entities like these per request",
			tooBig.Entities, tooBig.Limit())
	case errors.Is(err, store.ErrDiskFull):
		res := fail(http.StatusInsufficientStorage, OutcomeDiskFull, "%v", err)
		res.retryAfter = 60
		return res
	case errors.Is(err, entity.ErrInvalid):
		return fail(http.StatusBadRequest, OutcomeBadRequest, "%v", err)
	case errors.Is(err, engine.ErrClosed):
		// The request reached the config a reload just replaced; nothing
		// was written, and a retry reaches the new one.
		res := fail(http.StatusServiceUnavailable, OutcomeBusy, "%v", err)
		res.retryAfter = 1
		return res
	}
	return fail(http.StatusInternalServerError, OutcomeError, "%v", err)
}

// secrets are the values redacted from messages and the receiver log.
func (q *request) secrets() []string {
	if q.cfg == nil {
		return nil
	}
	return q.cfg.Secrets
}

// redact replaces the pipe's validation secrets, and every secret the
// config used, with "***".
func (q *request) redact(s string) string {
	if s == "" {
		return s
	}
	s = redactString(s, q.secrets())
	if q.eng != nil && q.eng.Config() != nil {
		s = q.eng.Config().Redact(s)
	}
	return s
}

// redactString replaces each of secrets in s with "***".
func redactString(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "***")
		}
	}
	return s
}

// ctxNoCancel keeps work that must finish once begun (the deletions at the
// end of a full sync) from being cut short by a client hanging up.
func ctxNoCancel(r *http.Request) context.Context { return context.WithoutCancel(r.Context()) }

// isBlank reports whether b holds only JSON white space.
func isBlank(b []byte) bool { return len(bytes.TrimLeft(b, " \t\r\n")) == 0 }

// parseJSON reads a body holding one JSON object or an array of objects.
// jsontext rejects invalid UTF-8 and duplicate keys; errors say where.
func parseJSON(body []byte) ([]entity.Entity, error) {
	start := len(body) - len(bytes.TrimLeft(body, " \t\r\n"))
	if start == len(body) {
		return nil, errors.New("the body is empty: send a JSON object or an array of objects")
	}
	dec := jsontext.NewDecoder(bytes.NewReader(body))
	var out []entity.Entity
	switch body[start] {
	case '[':
		if _, err := dec.ReadToken(); err != nil {
			return nil, syntaxError(body, 0, err)
		}
		for i := 0; ; i++ {
			if dec.PeekKind() == ']' {
				if _, err := dec.ReadToken(); err != nil {
					return nil, syntaxError(body, 0, err)
				}
				break
			}
			off := dec.InputOffset()
			v, err := dec.ReadValue()
			if err != nil {
				return nil, syntaxError(body, 0, err)
			}
			if v.Kind() != '{' {
				return nil, fmt.Errorf("item %d of the array (%s) is %s, not an object", i, position(body, skipSpace(body, int(off))), kindName(v.Kind()))
			}
			out = append(out, entity.Entity(bytes.Clone(v)))
		}
	default:
		v, err := dec.ReadValue()
		if err != nil {
			return nil, syntaxError(body, 0, err)
		}
		if v.Kind() != '{' {
			return nil, fmt.Errorf("the body is %s; send a JSON object or an array of objects", kindName(v.Kind()))
		}
		out = append(out, entity.Entity(bytes.Clone(v)))
	}
	if end := skipSpace(body, int(dec.InputOffset())); end < len(body) {
		return nil, fmt.Errorf("malformed JSON at %s: unexpected data after the top-level value", position(body, end))
	}
	return out, nil
}

// parseNDJSON reads one JSON object a line; blank lines are skipped.
func parseNDJSON(body []byte) ([]entity.Entity, error) {
	var out []entity.Entity
	lineStart := 0
	for lineNo := 1; lineStart < len(body); lineNo++ {
		end := bytes.IndexByte(body[lineStart:], '\n')
		if end < 0 {
			end = len(body)
		} else {
			end += lineStart
		}
		line := body[lineStart:end]
		if !isBlank(line) {
			dec := jsontext.NewDecoder(bytes.NewReader(line))
			v, err := dec.ReadValue()
			if err != nil {
				return nil, syntaxError(body, lineStart, err)
			}
			if v.Kind() != '{' {
				return nil, fmt.Errorf("line %d is %s, not an object", lineNo, kindName(v.Kind()))
			}
			if rest := skipSpace(line, int(dec.InputOffset())); rest < len(line) {
				return nil, fmt.Errorf("malformed NDJSON at %s: more than one value on the line", position(body, lineStart+rest))
			}
			out = append(out, entity.Entity(bytes.Clone(v)))
		}
		lineStart = end + 1
	}
	if len(out) == 0 {
		return nil, errors.New("the body is empty: send one JSON object a line")
	}
	return out, nil
}

// syntaxError renders a jsontext error with its line and column in body;
// base is the offset in body where the decoder's input started.
func syntaxError(body []byte, base int, err error) error {
	var se *jsontext.SyntacticError
	if !errors.As(err, &se) {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("malformed JSON at %s: unexpected end of input", position(body, len(body)))
		}
		return fmt.Errorf("malformed JSON: %s", strings.TrimPrefix(err.Error(), "jsontext: "))
	}
	msg := "syntax error"
	if se.Err != nil {
		msg = strings.TrimPrefix(se.Err.Error(), "jsontext: ")
	}
	switch {
	case errors.Is(se.Err, jsontext.ErrDuplicateName):
		msg = fmt.Sprintf("duplicate key %q", truncate(se.JSONPointer.LastToken(), maxQuoted))
	case errors.Is(se.Err, io.ErrUnexpectedEOF):
		msg = "unexpected end of input"
	}
	where := position(body, base+int(se.ByteOffset))
	if se.JSONPointer != "" {
		// The problem first: the pointer of a deep or long path is cut.
		msg += fmt.Sprintf(" (at %s)", truncate(string(se.JSONPointer), maxQuoted))
	}
	return fmt.Errorf("malformed JSON at %s: %s", where, msg)
}

// maxQuoted is the most of a key or JSON pointer an error quotes.
const maxQuoted = 128

// position renders a byte offset of body as "line L, column C" (columns
// count characters).
func position(body []byte, off int) string {
	off = max(0, min(off, len(body)))
	before := body[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return fmt.Sprintf("line %d, column %d", line, col)
}

func skipSpace(b []byte, off int) int {
	for off < len(b) && (b[off] == ' ' || b[off] == '\t' || b[off] == '\r' || b[off] == '\n') {
		off++
	}
	return off
}

func kindName(k jsontext.Kind) string {
	switch k {
	case '"':
		return "a string"
	case '0':
		return "a number"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case '[':
		return "an array"
	case '{':
		return "an object"
	}
	return "not JSON"
}

// CompletenessHeader sets the sink dataset's completeness timestamp
// (microseconds since the epoch, as Sesam uses) instead of the time the
// request arrived.
const CompletenessHeader = "X-Dataset-Completeness"

// requestCompleteness reads CompletenessHeader: 0 when absent.
func requestCompleteness(r *http.Request) (int64, error) {
	v := r.Header.Get(CompletenessHeader)
	if v == "" {
		return 0, nil
	}
	ts, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || ts <= 0 {
		return 0, fmt.Errorf("header %s must be a positive integer (microseconds since the epoch), got %q", CompletenessHeader, v)
	}
	return ts, nil
}
