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
	URL     string            `json:"url" default:"required, or streams" doc:"the endpoint that receives every entity (the \"all\" stream)"`
	Method  string            `json:"method" type:"\"POST\" or \"GET\"" doc:"\"POST\" sends JSON; \"GET\" sends one request per record, the record flattened into query parameters"`
	Headers map[string]string `json:"headers" doc:"extra request headers; may hold $SECRET(...)"`
	// SyncMode decides which entities are sent and with which op.
	SyncMode string `json:"sync_mode" type:"\"append\", \"upsert\", \"create\", \"update\", \"mirror\" or \"delete\"" doc:"which entities are sent, and with which op (see the configuration guide)"`
	// BatchSize is records per POST request; GET sends one per request.
	BatchSize int `json:"batch_size" type:"integer, 1 to 100000" doc:"records per POST request; the pipe's batch defaults to it, so the offset moves with each request"`
	// BatchMaxBytes caps a request body; a batch is cut before a record
	// that would pass it (a record bigger than the cap goes alone).
	BatchMaxBytes int `json:"batch_max_bytes" type:"integer, at least 1024" doc:"a request body stops before the record that would pass this many bytes; a bigger record goes alone"`
	// BatchFormat is "array", "object" or "record" (only with batch_size 1,
	// its default).
	BatchFormat string `json:"batch_format" enum:"array,object,record" default:"\"array\" (\"record\" with batch_size 1)" doc:"\"array\": a JSON array of records; \"object\": an object with the stream's name in \"type\" and the records in \"data\"; \"record\": the record itself (needs batch_size 1)"`
	// Secret signs requests (Standard Webhooks); Secrets lists several
	// during a key rotation. Without either, a secret is generated.
	Secret  string   `json:"secret" default:"generated" doc:"the Standard Webhooks signing secret: base64, with or without a whsec_ prefix. Without secret or secrets, one is generated once, kept in the data folder and logged once at warn level (sluice secret prints a new one)"`
	Secrets []string `json:"secrets" doc:"instead of secret, several, while keys rotate: each signs"`
	// ValmiCompat names the meta as valmi.io does, so its receivers work.
	ValmiCompat bool `json:"valmi_compat" doc:"name the meta _valmi_meta, with _valmi_row_num and _valmi_sync_op, first in the payload, as valmi.io does"`
	// Fields selects and renames properties: output name → entity path.
	Fields FieldMap    `json:"fields" default:"all properties" doc:"select and rename, in this order: each output name takes the property or dotted path given (null when missing)"`
	Retry  RetryConfig `json:"retry" default:"see below" doc:"the retry schedule"`
	// OnFailure is "fail" (the pipe fails; the batch is sent again on its
	// next run) or "dead-letter" (the message is parked and the pipe goes
	// on). Either way the message is kept in the dead-letter dataset.
	OnFailure string `json:"on_failure" enum:"fail,dead-letter" doc:"after the last retry: \"fail\" fails the pipe (its offset stays, and the next run sends the same message again); \"dead-letter\" parks the message and goes on"`
	// MaxDeleteRatio stops a mirror or delete run that would delete more
	// than this share of what the endpoint holds.
	MaxDeleteRatio *float64 `json:"max_delete_ratio" type:"number, 0 to 1" doc:"a \"mirror\" or \"delete\" run stops, and says so, before the batch that would take its deletions past this share of what the endpoint held when the run started; a full run's sweep counts all its deletions before sending any"`
	// Check splits entities into valid and invalid; Streams sends each to
	// its own URL.
	Check   *CheckConfig `json:"check" doc:"splits entities into valid and invalid, by a DTL condition or a JSON Schema (exactly one)"`
	Streams Streams      `json:"streams" doc:"deliver the entities that pass the check, and those that fail it, to their own URLs (each stream is delivered and remembered on its own); url may then be left out"`
}

// RetryConfig is the sink's "retry" object: the client's schedule
// (webhook.Retry, field for field; the conversions keep the two the same),
// whose problems Validate reports as pipes.FieldErrors so that the loader
// points at the member at fault (package webhook cannot import pipes). Its
// default tags are webhook.DefaultRetry's, which a nested table cannot
// read from the defaults.
type RetryConfig struct {
	MaxAttempts  int     `json:"max_attempts" type:"integer, 1 to 100" default:"8" doc:"attempts in all, the first included"`
	InitialDelay float64 `json:"initial_delay" type:"number of seconds" default:"1" doc:"the wait before the first retry; each later wait doubles (half of it random)"`
	MaxDelay     float64 `json:"max_delay" type:"number of seconds" default:"60" doc:"the longest wait"`
	MaxAge       float64 `json:"max_age" type:"number of seconds" default:"3600" doc:"no retry starts later than this after the first attempt"`
	Timeout      float64 `json:"timeout" type:"number of seconds" default:"30" doc:"the time for one attempt, from connecting to the end of the answer"`
}

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
	Valid   string `json:"valid" doc:"the endpoint that receives the entities that pass the check"`
	Invalid string `json:"invalid" doc:"the endpoint that receives the entities that fail the check, with the reasons"`
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
	if c.BatchFormat == FormatRecord && c.BatchSize != 1 {
		field("batch_format", `batch_format "record" sends one record per request; it needs batch_size 1`)
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

// ConfigType names the shape in the configuration reference.
func (FieldMap) ConfigType() string {
	return "object of output name → property, e.g. `{\"my_first_name\": \"first_name\", \"email\": \"contact.email\"}`"
}

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
