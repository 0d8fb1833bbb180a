package rest

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/pipes"
)

// TraceConfig is Sesam's "trace" of the REST components: false, true (log
// the requests and answers with the defaults below), or an object of
// log_* settings. Traced requests go into the run's pump-completed or
// pump-failed event (see component.Trace).
type TraceConfig struct {
	Enabled bool
	traceOptions
}

// traceOptions are the sub-properties of an object "trace".
type traceOptions struct {
	LogRequestHeaders      bool `json:"log_request_headers"`
	LogRequestBodyMaxsize  int  `json:"log_request_body_maxsize"`
	LogResponseHeaders     bool `json:"log_response_headers"`
	LogResponseBodyMaxsize int  `json:"log_response_body_maxsize"`
	// LogSecretRedactedBytes hides the first so many bytes of each secret,
	// leaving the rest for debugging; -1 hides all. Sesam's default is
	// 600, which leaves the end of a longer secret (a private key)
	// visible; sluice hides secrets whole unless a number is set.
	LogSecretRedactedBytes int `json:"log_secret_redacted_bytes"`
}

// maxTracedBody is the most sluice keeps of a body: a run keeps up to 100
// requests, and the event that holds them must stay a reasonable entity.
const maxTracedBody = 16 << 10

// defaultTraceOptions are Sesam's, except that secrets are hidden whole.
func defaultTraceOptions() traceOptions {
	return traceOptions{LogRequestHeaders: true, LogRequestBodyMaxsize: 100, LogResponseHeaders: true,
		LogResponseBodyMaxsize: 100, LogSecretRedactedBytes: -1}
}

// Validate checks the sizes.
func (o *traceOptions) Validate() error {
	var errs []error
	if o.LogRequestBodyMaxsize < 0 {
		errs = append(errs, &pipes.FieldError{Field: "log_request_body_maxsize", Err: errors.New("log_request_body_maxsize cannot be negative")})
	}
	if o.LogResponseBodyMaxsize < 0 {
		errs = append(errs, &pipes.FieldError{Field: "log_response_body_maxsize", Err: errors.New("log_response_body_maxsize cannot be negative")})
	}
	if o.LogSecretRedactedBytes < 1 && o.LogSecretRedactedBytes != -1 {
		errs = append(errs, &pipes.FieldError{Field: "log_secret_redacted_bytes",
			Err: errors.New("log_secret_redacted_bytes must be -1 (hide secrets whole) or a positive number of bytes to hide")})
	}
	return errors.Join(errs...)
}

// DecodeNode accepts a boolean, null (off) or an object of the log_*
// settings over Sesam's defaults; unknown settings are errors.
func (c *TraceConfig) DecodeNode(n *pipes.Node) pipes.Errors {
	var es pipes.Errors
	c.traceOptions = defaultTraceOptions()
	switch n.Kind {
	case pipes.Null:
		c.Enabled = false
	case pipes.Bool:
		c.Enabled = n.Bool
	case pipes.Object:
		if es = pipes.Decode(n, &c.traceOptions); es.HasErrors() {
			return es
		}
		c.Enabled = true
		for _, m := range []struct {
			key  string
			size *int
		}{{"log_request_body_maxsize", &c.LogRequestBodyMaxsize}, {"log_response_body_maxsize", &c.LogResponseBodyMaxsize}} {
			if *m.size > maxTracedBody {
				es.Warn(n.Get(m.key), "%s is capped at %d bytes in sluice", m.key, maxTracedBody)
				*m.size = maxTracedBody
			}
		}
	default:
		es.Add(n, "expected a boolean or an object of log_* settings, got %s", n.Describe())
	}
	return es
}

// tracer is what a traced request carries: its component's settings and
// names for the trace.
type tracer struct {
	opts      traceOptions
	component string // "rest source", "rest transform", "rest sink"
	system    string
}

// newTracer is the tracer of a component, nil when it does not trace.
func newTracer(c *EndpointConfig, kind string) *tracer {
	if !c.Trace.Enabled {
		return nil
	}
	return &tracer{opts: c.Trace.traceOptions, component: "rest " + kind, system: c.System}
}

// trace records one attempt of req (resp or err) in the run's trace, when
// the request's component traces and the run keeps a trace.
func trace(ctx context.Context, req *Request, resp *Response, err error, started time.Time) {
	tr := req.tracer
	if tr == nil {
		return
	}
	t := component.TraceOf(ctx)
	if t == nil {
		return
	}
	t.Add(func() component.TraceEntry {
		hide := func(s string) string { return t.Redact(s, tr.opts.LogSecretRedactedBytes) }
		e := component.TraceEntry{
			Component: tr.component, System: tr.system, Time: started.UTC(),
			Method: req.Method, URL: hide(redactURL(req.URL)),
			RequestBody: cutBody(hide(string(req.Body)), tr.opts.LogRequestBodyMaxsize), RequestBytes: len(req.Body),
			DurationMS: float64(time.Since(started).Microseconds()) / 1000,
		}
		if tr.opts.LogRequestHeaders {
			e.RequestHeaders = traceHeaders(req.Header, hide)
		}
		if resp != nil {
			e.Status, e.ResponseBytes = resp.Status, len(resp.Body)
			e.ResponseBody = cutBody(hide(string(resp.Body)), tr.opts.LogResponseBodyMaxsize)
			if tr.opts.LogResponseHeaders {
				e.ResponseHeaders = traceHeaders(resp.Header, hide)
			}
		}
		if err != nil {
			e.Error = hide(err.Error())
		}
		return e
	})
}

// traceHeaders shows headers with the values of credential headers as
// "***" and the config's secrets hidden in the others.
func traceHeaders(h http.Header, hide func(string) string) map[string]string {
	if len(h) == 0 {
		return nil
	}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(map[string]string, len(h))
	for _, k := range keys {
		if credentialHeader(k) {
			out[k] = "***"
			continue
		}
		out[k] = hide(strings.Join(h[k], ", "))
	}
	return out
}

// credentialHeader reports a header whose value is a credential whatever
// the config says: authorization, cookies, tokens, API keys.
func credentialHeader(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "authorization", "proxy-authorization", "cookie", "set-cookie":
		return true
	}
	for _, part := range []string{"token", "secret", "password", "passwd", "api-key", "apikey", "api_key", "x-auth", "session", "credential"} {
		if strings.Contains(n, part) {
			return true
		}
	}
	return false
}

// cutBody keeps the first max bytes of a body (cut back to a whole
// character), as valid UTF-8.
func cutBody(s string, n int) string {
	if len(s) > n {
		cut := n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
