package rest

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/sluice-sync/sluice/jinja"
	"github.com/sluice-sync/sluice/pipes"
)

// OperationConfig is one named operation of a REST system (or of a rest
// source, transform or sink, whose own operations take precedence).
type OperationConfig struct {
	URL         jinja.Template    `json:"url" cfg:"required" type:"Jinja template" doc:"the request's URL: put into the system's url_pattern or joined to its base_url; an absolute URL is used as it is"`
	Method      string            `json:"method" cfg:"required" type:"\"GET\", \"POST\", \"PUT\", \"DELETE\", \"PATCH\", \"OPTIONS\" or \"HEAD\"" doc:"the HTTP method, in capitals"`
	Headers     map[string]string `json:"headers" doc:"request headers, after the system's; the values are templates"`
	Params      map[string]any    `json:"params" doc:"query parameters; the values are templates, and a list value repeats the parameter"`
	PayloadType string            `json:"payload-type" type:"\"json\", \"json-transit\", \"form\", \"multipart-form\" or \"text\"" default:"\"json\"" doc:"how the payload is encoded: \"json\" as plain JSON (transit encoding stripped), \"json-transit\" with its transit encoding, \"form\" as form fields, \"multipart-form\" as multipart/form-data fields, \"text\" as text (a string as it is); each sets the Content-Type unless the headers do"`

	NextPageTerminationStrategy pipes.StringOrList `json:"next_page_termination_strategy" default:"\"next-page-link-empty\", \"same-next-page-request\", \"same-response\"" doc:"when paging stops: \"next-page-link-empty\" when next_page_link renders empty, \"same-next-page-request\" when the next request would repeat the last, \"same-response\" when an answer repeats the last (it is not passed on), \"same-next-page-link\" when the link repeats, \"empty-result\" when a page holds no result, \"not-full-page\" when a page holds fewer than page_size results"`
	// PageSize is offered to the templates as "page_size" (e.g. a
	// "limit" param), so one number sets the page size everywhere.
	PageSize *int `json:"page_size" doc:"offered to the templates as page_size (for a limit param, say), so one number sets the page size everywhere"`
	// Description and Comment are free text, as on every Sesam object.
	Description pipes.StringOrList `json:"description" doc:"free text"`
	Comment     pipes.StringOrList `json:"comment" doc:"free text"`

	// The settings a rest source, transform or sink may override.
	Overrides
}

// SesamKeys lists the Sesam properties an operation accepts without
// effect.
func (*OperationConfig) SesamKeys() []string { return []string{"error_expression"} }

var methods = []string{"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"}

// Payload types.
const (
	PayloadJSON        = "json"
	PayloadJSONTransit = "json-transit"
	PayloadForm        = "form"
	// PayloadMultipartForm sends the form fields as multipart/form-data.
	PayloadMultipartForm = "multipart-form"
	PayloadText          = "text"
)

// Next-page termination strategies.
const (
	TerminateEmptyResult     = "empty-result"
	TerminateSameLink        = "same-next-page-link"
	TerminateLinkEmpty       = "next-page-link-empty"
	TerminateSameNextRequest = "same-next-page-request"
	TerminateSameResponse    = "same-response"
	TerminateNotFullPage     = "not-full-page"
)

// Validate checks the enumerations.
func (o *OperationConfig) Validate() error {
	var errs []error
	if !contains(methods, o.Method) {
		errs = append(errs, &pipes.FieldError{Field: "method", Err: fmt.Errorf("method must be one of %s (case sensitive), not %q", strings.Join(methods, ", "), o.Method)})
	}
	switch o.PayloadType {
	case "", PayloadJSON, PayloadJSONTransit, PayloadForm, PayloadMultipartForm, PayloadText:
	default:
		errs = append(errs, &pipes.FieldError{Field: "payload-type", Err: fmt.Errorf("payload-type must be json, json-transit, form, multipart-form or text, not %q", o.PayloadType)})
	}
	for _, s := range o.NextPageTerminationStrategy {
		if !contains([]string{TerminateEmptyResult, TerminateSameLink, TerminateLinkEmpty, TerminateSameNextRequest, TerminateSameResponse, TerminateNotFullPage}, s) {
			errs = append(errs, &pipes.FieldError{Field: "next_page_termination_strategy", Err: fmt.Errorf("unknown termination strategy %q", s)})
		}
		if s == TerminateNotFullPage && o.PageSize == nil {
			errs = append(errs, &pipes.FieldError{Field: "next_page_termination_strategy", Err: errors.New(`"not-full-page" needs the operation's "page_size"`)})
		}
	}
	return errors.Join(errs...)
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// StatusCodes is a set of HTTP statuses written as Sesam does: "200,404",
// ranges "200-299", or a list of numbers.
type StatusCodes struct {
	ranges [][2]int
	set    bool
}

// ConfigType names the shape in the configuration reference.
func (StatusCodes) ConfigType() string {
	return "status codes: `\"200,404\"`, `\"200-299\"` or a list"
}

// DecodeNode reads "200,201", "200-299" or [200, 201].
func (s *StatusCodes) DecodeNode(n *pipes.Node) pipes.Errors {
	var parts []string
	switch n.Kind {
	case pipes.String:
		parts = strings.Split(n.Str, ",")
	case pipes.Number:
		parts = []string{n.Str}
	case pipes.Array:
		for _, it := range n.Items {
			if it.Kind != pipes.Number && it.Kind != pipes.String {
				return pipes.Errors{pipes.Errorf(it, "a status code is a number, got %s", it.Describe())}
			}
			parts = append(parts, it.Str)
		}
	default:
		return pipes.Errors{pipes.Errorf(n, `expected status codes such as "200,404" or "200-299", got %s`, n.Describe())}
	}
	for _, p := range parts {
		p = strings.TrimSpace(p)
		lo, hi, isRange := strings.Cut(p, "-")
		a, err1 := strconv.Atoi(strings.TrimSpace(lo))
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.Atoi(strings.TrimSpace(hi))
		}
		if err1 != nil || err2 != nil || a < 100 || b > 599 || a > b {
			return pipes.Errors{pipes.Errorf(n, "%q is not a status code or range of status codes", p)}
		}
		s.ranges = append(s.ranges, [2]int{a, b})
	}
	s.set = true
	return nil
}

// Has reports whether code is in the set.
func (s StatusCodes) Has(code int) bool {
	for _, r := range s.ranges {
		if code >= r[0] && code <= r[1] {
			return true
		}
	}
	return false
}

// String renders the set for messages.
func (s StatusCodes) String() string {
	var parts []string
	for _, r := range s.ranges {
		if r[0] == r[1] {
			parts = append(parts, strconv.Itoa(r[0]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", r[0], r[1]))
		}
	}
	return strings.Join(parts, ",")
}

// Overrides are the operation settings a rest source, transform or sink
// may set for itself; set ones take precedence over the operation's.
type Overrides struct {
	Properties              map[string]any `json:"properties" doc:"values the templates see as properties, unless an entity brings its own properties"`
	Payload                 any            `json:"payload" doc:"the request body; its strings are templates. An entity's own payload is sent instead, as data"`
	ResponseProperty        string         `json:"response_property" default:"\"response\"" doc:"transform: the property the answer goes into"`
	ResponseHeadersProperty string         `json:"response_headers_property" doc:"transform: the property the answer's headers go into"`
	ResponseStatusProperty  string         `json:"response_status_property" doc:"transform: the property the answer's status goes into"`
	PayloadProperty         string         `json:"payload_property" default:"the whole body" doc:"the dotted path in the answer's JSON body that holds the result (a source's entities)"`
	NextPageLink            jinja.Template `json:"next_page_link" type:"Jinja template" doc:"the next page's URL, rendered after each page with body, response_headers and the like; pages are followed until next_page_termination_strategy says stop"`
	IDExpression            jinja.Template `json:"id_expression" type:"Jinja template" doc:"gives each entity in the result its _id (source, and transform with replace_entity), rendered with the entity's members"`
	UpdatedExpression       jinja.Template `json:"updated_expression" type:"Jinja template" doc:"gives each entity in the result its _updated (a number when it reads as one)"`
	SincePropertyName       string         `json:"since_property_name" default:"\"since\"" doc:"source: the query parameter or header that carries since, unless the operation's templates use since themselves"`
	SincePropertyLocation   string         `json:"since_property_location" enum:"query,header,manual" default:"\"query\"" doc:"source: since goes into a query parameter, a header, or (\"manual\") only where the templates put it"`
	AllowedStatusCodes      StatusCodes    `json:"allowed_status_codes" default:"2xx" doc:"answers with these statuses are results; any other fails the run"`
	IgnoredStatusCodes      StatusCodes    `json:"ignored_status_codes" doc:"answers with these statuses are passed over without error: no entities (source), the entity goes on unchanged (transform), counted unchanged (sink)"`
	RateLimitingRetries     *int           `json:"rate_limiting_retries" default:"the system's" doc:"a 429 or 503 answer is retried this many times"`
	RateLimitingDelay       *float64       `json:"rate_limiting_delay" type:"number of seconds" default:"the system's" doc:"the wait before such a retry, unless the answer's Retry-After says"`
}

// apply returns op with the set overrides in place.
func (o *Overrides) apply(op OperationConfig) OperationConfig {
	op.Overrides = o.over(op.Overrides)
	return op
}

// over returns base with the settings o sets replacing base's.
func (o *Overrides) over(base Overrides) Overrides {
	if o.Properties != nil {
		base.Properties = o.Properties
	}
	if o.Payload != nil {
		base.Payload = o.Payload
	}
	for _, f := range []struct {
		dst *string
		src string
	}{
		{&base.ResponseProperty, o.ResponseProperty}, {&base.ResponseHeadersProperty, o.ResponseHeadersProperty},
		{&base.ResponseStatusProperty, o.ResponseStatusProperty}, {&base.PayloadProperty, o.PayloadProperty},
		{&base.SincePropertyName, o.SincePropertyName}, {&base.SincePropertyLocation, o.SincePropertyLocation},
	} {
		if f.src != "" {
			*f.dst = f.src
		}
	}
	for _, t := range []struct{ dst, src *jinja.Template }{{&base.NextPageLink, &o.NextPageLink}, {&base.IDExpression, &o.IDExpression}, {&base.UpdatedExpression, &o.UpdatedExpression}} {
		if t.src.IsSet() {
			*t.dst = *t.src
		}
	}
	if o.AllowedStatusCodes.set {
		base.AllowedStatusCodes = o.AllowedStatusCodes
	}
	if o.IgnoredStatusCodes.set {
		base.IgnoredStatusCodes = o.IgnoredStatusCodes
	}
	if o.RateLimitingRetries != nil {
		base.RateLimitingRetries = o.RateLimitingRetries
	}
	if o.RateLimitingDelay != nil {
		base.RateLimitingDelay = o.RateLimitingDelay
	}
	return base
}

// ConfigSecrets lists what a REST system holds that the config's
// redaction must hide, whether written literally or not: the password
// (and the Basic credentials made of it), the JWT, the OAuth2 client
// secret and tokens, credential headers and params, and credentials in
// its URLs.
func (c *SystemConfig) ConfigSecrets() []string {
	out := []string{c.Password, c.JWTToken}
	if c.Password != "" {
		out = append(out, base64.StdEncoding.EncodeToString([]byte(c.Username+":"+c.Password)))
	}
	if o := c.OAuth2; o != nil {
		out = append(out, o.ClientSecret, o.AccessToken, o.RefreshToken)
		for k, v := range o.Extra {
			if pipes.IsSecretName(k) {
				out = append(out, v)
			}
		}
	}
	if t := c.Tripletex; t != nil {
		out = append(out, t.ConsumerToken, t.EmployeeToken)
	}
	out = append(out, pipes.HeaderSecrets(c.Headers)...)
	out = append(out, pipes.URLSecrets(c.URLPattern)...)
	out = append(out, pipes.URLSecrets(c.BaseURL)...)
	for _, op := range c.Operations {
		out = append(out, op.secrets()...)
	}
	return out
}

// ConfigSecrets lists the credentials of the rest source's own operations
// and overrides.
func (c *SourceConfig) ConfigSecrets() []string { return c.EndpointConfig.secrets(&c.Overrides) }

// ConfigSecrets lists the credentials of the rest transform's own
// operations and overrides.
func (c *TransformConfig) ConfigSecrets() []string { return c.EndpointConfig.secrets(&c.Overrides) }

// ConfigSecrets lists the credentials of the rest sink's own operations
// and overrides.
func (c *SinkConfig) ConfigSecrets() []string { return c.EndpointConfig.secrets(&c.Overrides) }

// secrets are the credentials of a component's own operations and of its
// overrides.
func (c *EndpointConfig) secrets(over *Overrides) []string {
	var out []string
	for _, op := range c.Operations {
		out = append(out, op.secrets()...)
	}
	return append(out, over.secrets()...)
}

// secrets are an operation's credential headers and params, the
// credentials in its URL, and those of its overrides.
func (o *OperationConfig) secrets() []string {
	if o == nil {
		return nil
	}
	out := pipes.HeaderSecrets(o.Headers)
	out = append(out, pipes.URLSecrets(o.URL.Src)...)
	out = append(out, pipes.NamedSecrets(o.Params)...)
	return append(out, o.Overrides.secrets()...)
}

// secrets are the credentials written into properties and payloads.
func (o *Overrides) secrets() []string {
	return append(pipes.NamedSecrets(o.Properties), pipes.NamedSecrets(o.Payload)...)
}
