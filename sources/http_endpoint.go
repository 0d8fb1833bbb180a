package sources

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/jinja"
	"github.com/sluice-sync/sluice/pipes"
)

// DefaultMaxBodyBytes is the largest request body an http_endpoint source
// accepts unless max_body_bytes says otherwise.
const DefaultMaxBodyBytes = 16 << 20

// HTTPEndpointConfig is the config of the "http_endpoint" source. Entities
// are pushed to it (POST /api/receivers/<pipe>/entities, served by
// "sluice run", package receiver) and written through the pipe's
// transforms to its sink; pumping the pipe reads nothing.
type HTTPEndpointConfig struct {
	// Disabled rejects every request with 503.
	Disabled bool `json:"disabled" doc:"answer 503 to every request"`
	// Validation checks each request before anything is read into the
	// pipe: one check, or a list of which all must pass.
	Validation RequestValidations `json:"validation" doc:"checks a request must pass, all of them, before anything is written: header, standard-webhooks or hmac (see above)"`
	// ValidationExpression is Sesam's: a Jinja template rendered for each
	// request; empty output accepts, anything else rejects with 403.
	ValidationExpression JinjaTemplate `json:"validation_expression" doc:"Sesam's: rendered for each request with headers, body, request (method, path, query, url), request_headers, request_params, url and secret('name'); empty output accepts, anything else is the 403 message"`
	// MaxBodyBytes caps the request body (413 beyond).
	MaxBodyBytes int64 `json:"max_body_bytes" doc:"the largest request body in bytes (16 MiB by default); a larger one gets 413"`
	// Logging keeps one entity per request in the dataset
	// system:receiver_log:<pipe>.
	Logging bool `json:"logging" doc:"keep an entry per request in the receiver log (see above)"`
	// Trace is Sesam's switch for the same log; either turns it on.
	Trace bool `json:"trace" doc:"Sesam's name for logging: either turns the receiver log on"`
	// LoggingMaxEntries and LoggingMaxAgeSeconds bound the receiver log:
	// older entries are pruned.
	LoggingMaxEntries    int `json:"logging_max_entries" doc:"the receiver log keeps the newest this many entries; older ones are removed for good"`
	LoggingMaxAgeSeconds int `json:"logging_max_age_seconds" doc:"receiver log entries older than this many seconds (7 days by default) are removed"`
	// AutoPopulateDataset marks the sink's dataset populated once entities
	// have been received (Sesam's default).
	AutoPopulateDataset bool `json:"auto_populate_dataset" doc:"mark the sink's dataset populated once entities have arrived"`
}

// Validate checks the limits.
func (c *HTTPEndpointConfig) Validate() error {
	var errs []error
	if c.MaxBodyBytes < 1 {
		errs = append(errs, &pipes.FieldError{Field: "max_body_bytes", Err: errors.New("max_body_bytes must be a positive number of bytes")})
	}
	if c.LoggingMaxEntries < 1 {
		errs = append(errs, &pipes.FieldError{Field: "logging_max_entries", Err: errors.New("logging_max_entries must be a positive number of log entries")})
	}
	if c.LoggingMaxAgeSeconds < 1 {
		errs = append(errs, &pipes.FieldError{Field: "logging_max_age_seconds", Err: errors.New("logging_max_age_seconds must be a positive number of seconds")})
	}
	return errors.Join(errs...)
}

// Receiver-log bounds unless the config says otherwise.
const (
	DefaultLoggingMaxEntries    = 10_000
	DefaultLoggingMaxAgeSeconds = 7 * 24 * 3600
)

// Secrets lists the secrets of the validation checks, for redaction.
func (c *HTTPEndpointConfig) Secrets() []string {
	var out []string
	for _, v := range c.Validation {
		if v.Secret != "" {
			out = append(out, v.Secret)
		}
	}
	return out
}

// The request validation types of an http_endpoint source.
const (
	// ValidationHeader compares a header with a shared secret.
	ValidationHeader = "header"
	// ValidationStandardWebhooks verifies a Standard Webhooks signature
	// (webhook-id, webhook-timestamp, webhook-signature).
	ValidationStandardWebhooks = "standard-webhooks"
	// ValidationHMAC verifies an HMAC-SHA256 of the raw body given in a
	// header (GitHub, Shopify and many others).
	ValidationHMAC = "hmac"
)

var validationTypes = []string{ValidationHeader, ValidationStandardWebhooks, ValidationHMAC}

// DefaultTolerance is how far a Standard Webhooks timestamp may be from
// the receiver's clock, either way.
const DefaultTolerance = 5 * time.Minute

// RequestValidation is one decoded validation check.
type RequestValidation struct {
	Type string
	// Header holds the secret (header) or the signature (hmac).
	Header string
	// Secret is the configured secret as written (after $SECRET()).
	Secret string
	// Key is the HMAC key: the secret's bytes (hmac), or the secret
	// base64-decoded after its whsec_ prefix (standard-webhooks).
	Key []byte
	// Prefix comes before the signature in the header (hmac).
	Prefix string
	// Encoding of the signature: "hex" or "base64" (hmac).
	Encoding string
	// Tolerance is the allowed clock difference (standard-webhooks).
	Tolerance time.Duration
}

// RequestValidations are the checks of a source, all of which must pass.
type RequestValidations []RequestValidation

// ConfigType names the shape in the configuration reference.
func (RequestValidations) ConfigType() string { return "a check, or a list of checks" }

// DecodeNode accepts one validation object or a list of them, each
// decoded strictly by its type.
func (vs *RequestValidations) DecodeNode(n *pipes.Node) pipes.Errors {
	var errs pipes.Errors
	items := []*pipes.Node{n}
	switch n.Kind {
	case pipes.Object:
	case pipes.Array:
		items = n.Items
	default:
		errs.Add(n, "expected a validation object or a list of them, got %s", n.Describe())
		return errs
	}
	out := make(RequestValidations, 0, len(items))
	for _, item := range items {
		v, ierrs := decodeValidation(item)
		errs = append(errs, ierrs...)
		if !ierrs.HasErrors() {
			out = append(out, v)
		}
	}
	*vs = out
	return errs
}

func decodeValidation(n *pipes.Node) (RequestValidation, pipes.Errors) {
	var errs pipes.Errors
	if n == nil || n.Kind != pipes.Object {
		errs.Add(n, "a validation is an object with a \"type\", not %s", n.Describe())
		return RequestValidation{}, errs
	}
	typ := n.Get("type")
	switch {
	case typ == nil:
		errs.Add(n, "missing required property %q (one of %s)", "type", quotedList(validationTypes))
		return RequestValidation{}, errs
	case typ.Kind != pipes.String:
		errs.Add(typ, "expected a string, got %s", typ.Describe())
		return RequestValidation{}, errs
	}
	var doc interface{ validation() RequestValidation }
	switch typ.Str {
	case ValidationHeader:
		doc = &headerValidationDoc{}
	case ValidationStandardWebhooks:
		doc = &standardWebhooksDoc{ToleranceSeconds: int(DefaultTolerance / time.Second)}
	case ValidationHMAC:
		doc = &hmacValidationDoc{Encoding: "hex"}
	default:
		errs.Add(typ, "unknown validation type %q (known: %s)%s", typ.Str, quotedList(validationTypes), pipes.Suggest(typ.Str, validationTypes))
		return RequestValidation{}, errs
	}
	errs = pipes.Decode(n, doc)
	if errs.HasErrors() {
		return RequestValidation{}, errs
	}
	return doc.validation(), errs
}

type headerValidationDoc struct {
	Type   string `json:"type"`
	Header string `json:"header" cfg:"required"`
	Secret string `json:"secret" cfg:"required"`
}

func (d *headerValidationDoc) Validate() error {
	return errors.Join(checkHeaderName(d.Header), checkSecret(d.Secret))
}

func (d *headerValidationDoc) validation() RequestValidation {
	return RequestValidation{Type: ValidationHeader, Header: d.Header, Secret: d.Secret, Key: []byte(d.Secret)}
}

type standardWebhooksDoc struct {
	Type             string `json:"type"`
	Secret           string `json:"secret" cfg:"required"`
	ToleranceSeconds int    `json:"tolerance_seconds"`
}

func (d *standardWebhooksDoc) Validate() error {
	var errs []error
	if err := checkSecret(d.Secret); err != nil {
		errs = append(errs, err)
	} else if _, err := StandardWebhooksKey(d.Secret); err != nil {
		errs = append(errs, &pipes.FieldError{Field: "secret", Err: err})
	}
	if d.ToleranceSeconds < 1 {
		errs = append(errs, &pipes.FieldError{Field: "tolerance_seconds", Err: errors.New("tolerance_seconds must be a positive number of seconds")})
	}
	return errors.Join(errs...)
}

func (d *standardWebhooksDoc) validation() RequestValidation {
	key, _ := StandardWebhooksKey(d.Secret)
	return RequestValidation{Type: ValidationStandardWebhooks, Secret: d.Secret, Key: key,
		Tolerance: time.Duration(d.ToleranceSeconds) * time.Second}
}

// StandardWebhooksKey decodes a Standard Webhooks secret: base64 after an
// optional "whsec_" prefix. The error never shows the secret.
func StandardWebhooksKey(secret string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	switch {
	case err != nil:
		return nil, errors.New(`a standard-webhooks secret must be base64 (after an optional "whsec_" prefix)`)
	case len(key) == 0:
		return nil, errors.New("the standard-webhooks secret is empty")
	}
	return key, nil
}

type hmacValidationDoc struct {
	Type     string `json:"type"`
	Header   string `json:"header" cfg:"required"`
	Prefix   string `json:"prefix"`
	Encoding string `json:"encoding" enum:"hex,base64"`
	Secret   string `json:"secret" cfg:"required"`
}

func (d *hmacValidationDoc) Validate() error {
	var errs []error
	errs = append(errs, checkHeaderName(d.Header), checkSecret(d.Secret))
	return errors.Join(errs...)
}

func (d *hmacValidationDoc) validation() RequestValidation {
	return RequestValidation{Type: ValidationHMAC, Header: d.Header, Secret: d.Secret, Key: []byte(d.Secret),
		Prefix: d.Prefix, Encoding: d.Encoding}
}

func checkHeaderName(h string) error {
	if h == "" || strings.ContainsFunc(h, func(r rune) bool { return r <= ' ' || r >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) }) {
		return &pipes.FieldError{Field: "header", Err: fmt.Errorf("%q is not an HTTP header name", h)}
	}
	return nil
}

func checkSecret(s string) error {
	if s == "" {
		return &pipes.FieldError{Field: "secret", Err: errors.New("the secret is empty")}
	}
	return nil
}

func quotedList(s []string) string {
	q := slices.Clone(s)
	for i, v := range q {
		q[i] = `"` + v + `"`
	}
	return strings.Join(q, ", ")
}

// JinjaTemplate is the source text of a Jinja template whose syntax is
// checked when the config loads; the built source compiles it.
type JinjaTemplate string

// ConfigType names the shape in the configuration reference.
func (JinjaTemplate) ConfigType() string { return "Jinja template" }

// DecodeNode checks the template's syntax, reporting errors at the node.
func (t *JinjaTemplate) DecodeNode(n *pipes.Node) pipes.Errors {
	if n.Kind != pipes.String {
		return pipes.Errors{pipes.Errorf(n, "expected a template string, got %s", n.Describe())}
	}
	if _, err := jinja.Parse(n.Str); err != nil {
		var se *jinja.SyntaxError
		if errors.As(err, &se) {
			err = se.Err
		}
		return pipes.Errors{pipes.Errorf(n, "bad template: %v", err)}
	}
	*t = JinjaTemplate(n.Str)
	return nil
}

// HTTPEndpointSpec is the "http_endpoint" source.
var HTTPEndpointSpec = component.Typed(component.KindSource, "http_endpoint",
	"Receives entities pushed over HTTP: `sluice run` serves `POST /api/receivers/<pipe>/entities`, and the "+
		"entities of each request go through the pipe's transforms into its sink; pumping the pipe reads nothing. "+
		"The body is one entity, a JSON array of them (`application/json` or any `application/*+json`), or NDJSON "+
		"(`application/x-ndjson`). The answer is 200 `{}` once the write is durable: a request is written whole, "+
		"in one transaction, or not at all. [The configuration guide](../configuration.md) lists the other "+
		"answers, and how full syncs (Sesam's JSON push protocol) work.\n\n"+
		"Each check in `validation` is one of:\n"+
		"- `{\"type\": \"header\", \"header\": \"X-Token\", \"secret\": \"$SECRET(t)\"}`: the header must equal "+
		"the secret (compared in constant time; 401 otherwise);\n"+
		"- `{\"type\": \"standard-webhooks\", \"secret\": \"whsec_…\", \"tolerance_seconds\": 300}`: a "+
		"[Standard Webhooks](https://www.standardwebhooks.com/) signature whose timestamp is within the tolerance; "+
		"a `webhook-id` already accepted is answered 200 without being written again;\n"+
		"- `{\"type\": \"hmac\", \"header\": \"X-Hub-Signature-256\", \"prefix\": \"sha256=\", \"encoding\": "+
		"\"hex\", \"secret\": \"…\"}`: the HMAC-SHA256 of the raw body, GitHub style (`encoding` `hex` or `base64`).\n\n"+
		"With `logging` (or `trace`), each request leaves an entry in the receiver log, the dataset "+
		"`system:receiver_log:<pipe>`: its time, status, outcome, entity count, request id and headers "+
		"(credentials hidden). An entry is bounded (at most 50 headers of 256 bytes, errors and paths cut at "+
		"1 KB); a refused request (4xx) is kept as a summary without headers.",
	func() *HTTPEndpointConfig {
		return &HTTPEndpointConfig{MaxBodyBytes: DefaultMaxBodyBytes, AutoPopulateDataset: true,
			LoggingMaxEntries: DefaultLoggingMaxEntries, LoggingMaxAgeSeconds: DefaultLoggingMaxAgeSeconds}
	},
	func(c *HTTPEndpointConfig, _ component.Env) (component.Source, error) { return newHTTPEndpoint(c) }).
	WithExample(`{
  "type": "http_endpoint",
  "validation": {"type": "hmac", "header": "X-Hub-Signature-256", "prefix": "sha256=", "secret": "$SECRET(github_hook)"},
  "logging": true
}`)

func (*httpEndpoint) SupportsSince() bool { return true }

// Pushed marks the source as pushed to: pumps leave its dataset alone.
func (*httpEndpoint) Pushed() {}

func (*httpEndpoint) Read(_ context.Context, req component.ReadRequest, emit func(component.Batch) error) error {
	return emit(component.Batch{Since: req.Since})
}

// SesamKeys lists the Sesam properties the http_endpoint source accepts
// without effect.
func (*HTTPEndpointConfig) SesamKeys() []string {
	return []string{"do_float_as_decimal", "do_float_as_int", "system"}
}
