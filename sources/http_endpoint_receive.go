package sources

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/jinja"
)

// httpEndpoint is the built http_endpoint source: the receiver's side of
// it (component.ReceivingSource), since a pump reads nothing.
type httpEndpoint struct {
	cfg      *HTTPEndpointConfig
	expr     *jinja.Template // validation_expression; nil when not set
	settings component.ReceiverSettings
}

var _ component.ReceivingSource = (*httpEndpoint)(nil)

func newHTTPEndpoint(c *HTTPEndpointConfig) (*httpEndpoint, error) {
	s := &httpEndpoint{cfg: c, settings: component.ReceiverSettings{
		Disabled:            c.Disabled,
		MaxBodyBytes:        c.MaxBodyBytes,
		Log:                 c.Logging || c.Trace,
		LogMaxEntries:       c.LoggingMaxEntries,
		LogMaxAge:           time.Duration(c.LoggingMaxAgeSeconds) * time.Second,
		AutoPopulateDataset: c.AutoPopulateDataset,
	}}
	for _, sec := range c.Secrets() {
		s.settings.Secrets = append(s.settings.Secrets, sec)
		if t := strings.TrimPrefix(sec, "whsec_"); t != sec {
			s.settings.Secrets = append(s.settings.Secrets, t)
		}
	}
	for _, v := range c.Validation {
		if v.Header != "" {
			s.settings.HiddenHeaders = append(s.settings.HiddenHeaders, v.Header)
		}
	}
	if c.ValidationExpression != "" {
		t, err := jinja.Parse(string(c.ValidationExpression))
		if err != nil {
			return nil, fmt.Errorf("validation_expression: %w", err)
		}
		s.expr = t
	}
	return s, nil
}

func (s *httpEndpoint) Receiving() component.ReceiverSettings { return s.settings }

func (s *httpEndpoint) Precheck(h http.Header, now time.Time) error {
	return s.cfg.Validation.Precheck(h, now)
}

func (s *httpEndpoint) Verify(h http.Header, body []byte, now time.Time) (string, time.Duration, error) {
	return s.cfg.Validation.Verify(h, body, now)
}

// CheckRequest renders validation_expression (Sesam's): empty output
// (after trimming) accepts; anything else is the reason the request is
// rejected. The template sees:
//   - headers: lower-cased header names to values (repeated headers joined by ", ")
//   - body: the decoded JSON body (for NDJSON, the list of its objects)
//   - request: {method, path, query (names to first values), url}
//   - Sesam's names: request_headers (names as sent, canonical and lower-case),
//     request_params (query names to first values) and url
//   - secret('name'): a secret's value (with req.Secret)
func (s *httpEndpoint) CheckRequest(q *component.ReceivedRequest) (string, error) {
	if s.expr == nil {
		return "", nil
	}
	reason, err := checkExpression(s.expr, q)
	if err != nil {
		return "", fmt.Errorf("validation_expression: %w", err)
	}
	return reason, nil
}

func checkExpression(tpl *jinja.Template, q *component.ReceivedRequest) (reason string, err error) {
	var body any
	if q.NDJSON {
		list := make([]any, len(q.Entities))
		for i, e := range q.Entities {
			if list[i], err = jinja.DecodeJSON(e); err != nil {
				return "", err
			}
		}
		body = list
	} else if body, err = jinja.DecodeJSON(q.Body); err != nil {
		return "", err
	}
	r := q.HTTP
	var used []string // secret values the template asked for
	headers, requestHeaders := map[string]any{}, map[string]any{}
	for name, vals := range r.Header {
		v := strings.Join(vals, ", ")
		headers[strings.ToLower(name)] = v
		requestHeaders[name] = v
		requestHeaders[strings.ToLower(name)] = v
	}
	params := map[string]any{}
	for name, vals := range r.URL.Query() {
		if len(vals) > 0 {
			params[name] = vals[0]
		}
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	u := *r.URL
	u.Scheme, u.Host = scheme, r.Host
	vars := map[string]any{
		"headers":         headers,
		"body":            body,
		"request":         map[string]any{"method": r.Method, "path": r.URL.Path, "query": params, "url": u.String()},
		"request_headers": requestHeaders,
		"request_params":  params,
		"url":             u.String(),
		"secret":          secretFunc(q.Secret, &used),
	}
	out, err := tpl.Render(vars)
	if err != nil {
		return "", hideAllIn(err, used)
	}
	return hide(strings.TrimSpace(out), used), nil
}

// secretFunc is the secret('name') template function; it notes the values
// it gave so they can be hidden in what the template renders.
func secretFunc(lookup func(string) (string, bool), used *[]string) func(string) (string, error) {
	return func(name string) (string, error) {
		if lookup != nil {
			if v, ok := lookup(name); ok {
				*used = append(*used, v)
				return v, nil
			}
		}
		return "", fmt.Errorf("secret %q is not set", name)
	}
}

func hide(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "***")
		}
	}
	return s
}

func hideAllIn(err error, secrets []string) error {
	if len(secrets) == 0 {
		return err
	}
	return errors.New(hide(err.Error(), secrets))
}
