package webhooksink

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/webhook"
)

// Sync modes (valmi.io's destination modes).
const (
	ModeAppend = "append"
	ModeUpsert = "upsert"
	ModeCreate = "create"
	ModeUpdate = "update"
	ModeMirror = "mirror"
	ModeDelete = "delete"
)

// What a sink does when a message is still undelivered after its retries.
const (
	OnFailureFail       = "fail"
	OnFailureDeadLetter = "dead-letter"
)

// Batch body formats.
const (
	FormatRecord = "record" // one record per request, as the body itself
	FormatArray  = "array"  // a JSON array of records
	FormatObject = "object" // {"type": <stream>, "data": [records]}
)

// SinkConfig is the config of the "webhook" sink.
type SinkConfig struct {
	// URL receives the "all" stream: every entity. It may be empty when
	// Streams name URLs for the valid and invalid streams.
	URL     string            `json:"url"`
	Method  string            `json:"method"`
	Headers map[string]string `json:"headers"`
	// SyncMode decides which entities are sent and with which op.
	SyncMode string `json:"sync_mode"`
	// BatchSize is records per POST request; GET sends one per request.
	BatchSize int `json:"batch_size"`
	// BatchMaxBytes caps a request body; a batch is cut before a record
	// that would pass it (a record bigger than the cap goes alone).
	BatchMaxBytes int `json:"batch_max_bytes"`
	// BatchFormat is "array", "object" or "record" (only with batch_size 1,
	// its default).
	BatchFormat string `json:"batch_format"`
	// Secret signs requests (Standard Webhooks); Secrets lists several
	// during a key rotation. Without either, a secret is generated.
	Secret  string   `json:"secret"`
	Secrets []string `json:"secrets"`
	// ValmiCompat names the meta as valmi.io does, so its receivers work.
	ValmiCompat bool `json:"valmi_compat"`
	// Fields selects and renames properties: output name → entity path.
	Fields FieldMap    `json:"fields"`
	Retry  RetryConfig `json:"retry"`
	// OnFailure is "fail" (the pipe fails; the batch is sent again on its
	// next run) or "dead-letter" (the message is parked and the pipe goes
	// on). Either way the message is kept in the dead-letter dataset.
	OnFailure string `json:"on_failure"`
	// MaxDeleteRatio stops a mirror or delete run that would delete more
	// than this share of what the endpoint holds.
	MaxDeleteRatio *float64 `json:"max_delete_ratio"`
	// Check splits entities into valid and invalid; Streams sends each to
	// its own URL.
	Check   *CheckConfig `json:"check"`
	Streams Streams      `json:"streams"`
}

// RetryConfig is the sink's "retry" object: the client's schedule, whose
// problems Validate reports as pipes.FieldErrors so that the loader points
// at the member at fault (package webhook cannot import pipes).
type RetryConfig webhook.Retry

// Validate checks the schedule as webhook.Retry does.
func (r *RetryConfig) Validate() error {
	err := (*webhook.Retry)(r).Validate()
	if err == nil {
		return nil
	}
	errs := []error{err}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		errs = joined.Unwrap()
	}
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = e
		if fe, ok := e.(*webhook.FieldError); ok {
			out[i] = &pipes.FieldError{Field: fe.Field, Err: fe.Err}
		}
	}
	return errors.Join(out...)
}

// Streams are the URLs of the valid and invalid streams.
type Streams struct {
	Valid   string `json:"valid"`
	Invalid string `json:"invalid"`
}

func defaultSinkConfig() *SinkConfig {
	return &SinkConfig{Method: "POST", SyncMode: ModeUpsert, BatchSize: 100, BatchMaxBytes: 4 << 20, OnFailure: OnFailureFail, Retry: RetryConfig(webhook.DefaultRetry())}
}

// Validate checks the settings together.
func (c *SinkConfig) Validate() error {
	var errs []error
	field := func(name string, format string, args ...any) {
		errs = append(errs, &pipes.FieldError{Field: name, Err: fmt.Errorf(format, args...)})
	}
	c.Method = strings.ToUpper(c.Method)
	if c.Method != "POST" && c.Method != "GET" {
		field("method", `method must be "POST" or "GET", not %q`, c.Method)
	}
	switch c.SyncMode {
	case ModeAppend, ModeUpsert, ModeCreate, ModeUpdate, ModeMirror, ModeDelete:
	default:
		field("sync_mode", "sync_mode must be one of append, upsert, create, update, mirror or delete, not %q", c.SyncMode)
	}
	if c.URL == "" && c.Streams.Valid == "" && c.Streams.Invalid == "" {
		field("url", "url is required (or streams.valid / streams.invalid)")
	}
	for _, u := range []struct{ name, v string }{{"url", c.URL}, {"streams/valid", c.Streams.Valid}, {"streams/invalid", c.Streams.Invalid}} {
		if u.v == "" {
			continue
		}
		if err := checkURL(u.v); err != nil {
			field(u.name, "%w", err)
		}
	}
	if (c.Streams.Valid != "" || c.Streams.Invalid != "") && c.Check == nil {
		field("streams", "streams need a check that says which entities are valid")
	}
	if c.BatchSize < 1 || c.BatchSize > 100_000 {
		field("batch_size", "batch_size must be between 1 and 100000")
	}
	if c.BatchMaxBytes < 1024 {
		field("batch_max_bytes", "batch_max_bytes must be at least 1024")
	}
	switch c.BatchFormat {
	case "":
	case FormatArray, FormatObject:
	case FormatRecord:
		if c.BatchSize != 1 {
			field("batch_format", `batch_format "record" sends one record per request; it needs batch_size 1`)
		}
	default:
		field("batch_format", `batch_format must be "array", "object" or "record", not %q`, c.BatchFormat)
	}
	if c.Secret != "" && len(c.Secrets) > 0 {
		field("secrets", "give secret or secrets, not both")
	}
	for i, s := range c.allSecrets() {
		if _, err := webhook.DecodeSecret(s); err != nil {
			name := "secret"
			if len(c.Secrets) > 0 {
				name = fmt.Sprintf("secrets/%d", i)
			}
			field(name, "%w", err)
		}
	}
	switch c.OnFailure {
	case OnFailureFail, OnFailureDeadLetter:
	default:
		field("on_failure", `on_failure must be "fail" or "dead-letter", not %q`, c.OnFailure)
	}
	if r := c.MaxDeleteRatio; r != nil && (*r < 0 || *r > 1) {
		field("max_delete_ratio", "max_delete_ratio must be between 0 and 1")
	}
	if err := c.Retry.Validate(); err != nil {
		errs = append(errs, &pipes.FieldError{Field: "retry", Err: err})
	}
	return errors.Join(errs...)
}

// ConfigSecrets lists the signing secrets (with and without "whsec_"),
// the credential headers and the credentials in the URLs, so that the
// config's redaction hides them even when they are written literally.
func (c *SinkConfig) ConfigSecrets() []string {
	var out []string
	for _, s := range c.allSecrets() {
		out = append(out, s, strings.TrimPrefix(s, "whsec_"))
	}
	out = append(out, pipes.HeaderSecrets(c.Headers)...)
	for _, u := range []string{c.URL, c.Streams.Valid, c.Streams.Invalid} {
		out = append(out, pipes.URLSecrets(u)...)
	}
	return out
}

// allSecrets lists the configured secrets.
func (c *SinkConfig) allSecrets() []string {
	if c.Secret != "" {
		return []string{c.Secret}
	}
	return c.Secrets
}

// format is the body format in effect.
func (c *SinkConfig) format() string {
	switch {
	case c.BatchFormat != "":
		return c.BatchFormat
	case c.BatchSize == 1:
		return FormatRecord
	}
	return FormatArray
}

// checkURL accepts absolute http and https URLs.
func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http or https URL", s)
	}
	return nil
}

// FieldMap selects and renames entity properties for the payload, in the
// order written: {"my_first_name": "first_name", "email": "email"}. The
// value is a property name or a dotted path into nested objects.
type FieldMap []Field

// Field is one output property and where it comes from.
type Field struct {
	Name, Path string
}

// DecodeNode reads the object keeping its order.
func (f *FieldMap) DecodeNode(n *pipes.Node) pipes.Errors {
	var es pipes.Errors
	if n.Kind != pipes.Object {
		es.Add(n, "expected an object of output name → entity property, got %s", n.Describe())
		return es
	}
	out := make(FieldMap, 0, len(n.Members))
	for _, m := range n.Members {
		if m.Value.Kind != pipes.String || m.Value.Str == "" {
			es.Add(m.Value, "expected the entity property to take %q from, got %s", m.Key, m.Value.Describe())
			continue
		}
		out = append(out, Field{Name: m.Key, Path: m.Value.Str})
	}
	*f = out
	return es
}
