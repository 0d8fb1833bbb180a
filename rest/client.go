package rest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/httpretry"
)

// Request is one HTTP request an operation makes.
type Request struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte
	// SideEffects marks a request that changes things at the server; in a
	// dry run it is shown, not sent.
	SideEffects bool

	tracer      *tracer // nil: the component does not trace
	rateRetries int
	rateDelay   time.Duration
}

// Response is what came back.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// HasJSON says the server sent a JSON body (by its Content-Type, or
	// json_content_types); it is decoded only where it is used.
	HasJSON bool
}

// ErrDryRun is returned for a side-effecting request in a dry run: it was
// shown, not sent.
var ErrDryRun = errors.New("dry run: request not sent")

// maxBody bounds how much of a response is read.
const maxBody = 64 << 20

// Do sends req with the system's authentication, waiting and retrying on
// 429 and 503 (rate limiting: rate_limiting_retries times, after
// Retry-After or rate_limiting_delay) and on connection failures
// (connection_retries times, with exponential backoff).
func (s *System) Do(ctx context.Context, req *Request) (*Response, error) {
	if show, dry := component.DryRun(ctx); dry && req.SideEffects {
		shown := *req
		if _, none := s.auth.(noAuth); !none {
			shown.Header = req.Header.Clone()
			shown.Header.Set("Authorization", "***") // what authentication would add
		}
		show(shown.describe())
		return nil, ErrDryRun
	}
	rateLeft, connLeft := req.rateRetries, s.cfg.ConnectionRetries
	backoff := 500 * time.Millisecond
	for {
		started := time.Now()
		resp, err := s.send(ctx, req)
		trace(ctx, req, resp, err, started)
		if err != nil {
			if connLeft > 0 && retryableConnError(err, req) && ctx.Err() == nil {
				connLeft--
				if werr := httpretry.Sleep(ctx, backoff); werr != nil {
					return nil, werr
				}
				backoff *= 2
				continue
			}
			return nil, fmt.Errorf("%s %s: %w", req.Method, redactURL(req.URL), err)
		}
		if (resp.Status == http.StatusTooManyRequests || resp.Status == http.StatusServiceUnavailable) && rateLeft > 0 {
			rateLeft--
			wait := req.rateDelay
			if d, ok := httpretry.RetryAfter(resp.Header.Get("Retry-After")); ok {
				wait = d
			}
			if werr := httpretry.Sleep(ctx, wait); werr != nil {
				return nil, werr
			}
			continue
		}
		return resp, nil
	}
}

func (s *System) send(ctx context.Context, req *Request) (*Response, error) {
	hreq, err := http.NewRequestWithContext(ctx, req.Method, req.URL, bytes.NewReader(req.Body))
	if err != nil {
		return nil, err
	}
	hreq.Header = req.Header // built for this request; authorize sets its header here
	if hreq.Header == nil {
		hreq.Header = http.Header{}
	}
	if err := s.auth.authorize(ctx, hreq); err != nil {
		return nil, fmt.Errorf("authentication: %w", err)
	}
	hresp, err := s.client.Do(hreq)
	if err != nil {
		return nil, err
	}
	defer hresp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(hresp.Body, maxBody))
	if err != nil {
		return nil, err
	}
	resp := &Response{Status: hresp.StatusCode, Header: hresp.Header, Body: body}
	ct, _, _ := mime.ParseMediaType(hresp.Header.Get("Content-Type"))
	resp.HasJSON = s.jsonType[strings.ToLower(ct)] && len(bytes.TrimSpace(body)) > 0
	return resp, nil
}

// retryableConnError reports a failure worth retrying: a connection that
// could not be made (nothing reached the server), or any connection error
// for a request that is safe to repeat.
func retryableConnError(err error, req *Request) bool {
	var op *net.OpError
	if !errors.As(err, &op) {
		// Not a network failure (a redirect loop, a bad URL): retrying
		// would fail the same way. A connection cut mid-answer surfaces
		// as an unexpected EOF.
		return idempotent(req.Method) && (errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF))
	}
	return op.Op == "dial" || idempotent(req.Method)
}

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// describe renders a request for a dry run: method, URL, headers (the
// Authorization header always hidden) and body.
func (req *Request) describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", req.Method, req.URL)
	keys := make([]string, 0, len(req.Header))
	for k := range req.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := strings.Join(req.Header[k], ", ")
		if strings.EqualFold(k, "Authorization") || strings.EqualFold(k, "Cookie") {
			v = "***"
		}
		fmt.Fprintf(&b, "\n  %s: %s", k, v)
	}
	if len(req.Body) > 0 {
		fmt.Fprintf(&b, "\n  %s", req.Body)
	}
	return b.String()
}

// excerpt is the start of a body, for error messages.
func excerpt(b []byte) string {
	const n = 300
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		cut := n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// redactURL hides credentials written into a URL.
func redactURL(u string) string {
	i := strings.Index(u, "://")
	if i < 0 {
		return u
	}
	rest := u[i+3:]
	authority := rest
	if end := strings.IndexAny(rest, "/?#"); end >= 0 {
		authority = rest[:end]
	}
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		return u[:i+3] + "***@" + rest[at+1:]
	}
	return u
}
