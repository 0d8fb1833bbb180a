package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sluice-sync/sluice/httpretry"
)

// Message is one webhook request: a record or a batch of them, or an event.
type Message struct {
	// ID is the webhook-id: the same on every attempt, resend and replay,
	// so receivers can de-duplicate.
	ID     string
	Method string // POST or GET
	URL    string // for GET, with the query already on it
	Header http.Header
	Body   []byte // nil for GET
}

// Attempt outcomes.
const (
	OutcomeDelivered = "delivered"
	OutcomeRetrying  = "retrying"
	OutcomeFailed    = "failed"
	OutcomeGone      = "gone"
)

// Attempt is what one try of a message did, for the delivery log.
type Attempt struct {
	N        int
	Time     time.Time
	Status   int // 0 when no answer came
	Latency  time.Duration
	Response string // an excerpt of the answer's body
	Error    string // why it failed, when it did
	Outcome  string
}

// ErrGone reports an endpoint that answered 410 Gone: it asks not to be
// called again, so the endpoint is disabled.
var ErrGone = errors.New("the endpoint answered 410 Gone")

// FailedError reports a message that was not delivered within the retry
// schedule.
type FailedError struct {
	Attempts int
	Last     Attempt
}

func (e *FailedError) Error() string {
	attempts := "attempts"
	if e.Attempts == 1 {
		attempts = "attempt"
	}
	return fmt.Sprintf("not delivered after %d %s; last: %s", e.Attempts, attempts, describe(e.Last))
}

// describe says what an attempt got, for errors.
func describe(a Attempt) string {
	if a.Status == 0 {
		return a.Error
	}
	s := fmt.Sprintf("answered %d", a.Status)
	if a.Response != "" {
		s += ": " + a.Response
	}
	return s
}

// Client delivers messages: it signs each attempt, treats only 2xx as
// success, follows no redirects, and retries on the schedule.
type Client struct {
	http   *http.Client
	signer *Signer
	retry  Retry
	// sleep waits between attempts; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
}

// NewClient builds a client. signer may be nil for unsigned requests.
func NewClient(signer *Signer, retry Retry) *Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 16
	return &Client{
		http: &http.Client{
			Transport:     tr,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		signer: signer,
		retry:  retry,
		sleep:  httpretry.Sleep,
	}
}

// CloseIdleConnections closes the connections kept open for the next
// message, for an owner that is done sending.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// Deliver sends m until it is delivered, the endpoint is gone (ErrGone),
// the schedule runs out (*FailedError) or ctx ends. Each attempt is passed
// to logAttempt (which may be nil); an error from it stops delivery.
func (c *Client) Deliver(ctx context.Context, m *Message, logAttempt func(Attempt) error) error {
	first := time.Now()
	for n := 1; ; n++ {
		a := c.attempt(ctx, m, n)
		var wait time.Duration
		switch {
		case a.Status >= 200 && a.Status < 300:
			a.Outcome = OutcomeDelivered
		case a.Status == http.StatusGone:
			a.Outcome = OutcomeGone
		case ctx.Err() != nil:
			a.Outcome = OutcomeFailed
		case permanent(a.Status):
			a.Outcome = OutcomeFailed
		default:
			wait = c.retry.delay(n)
			if ra, ok := a.retryAfter(); ok {
				wait = ra
			}
			a.Outcome = OutcomeRetrying
			if n >= c.retry.MaxAttempts || time.Since(first)+wait > seconds(c.retry.MaxAge) {
				a.Outcome = OutcomeFailed
			}
		}
		if logAttempt != nil {
			if err := logAttempt(a.Attempt); err != nil {
				return err
			}
		}
		switch a.Outcome {
		case OutcomeDelivered:
			return nil
		case OutcomeGone:
			return fmt.Errorf("%w: %s", ErrGone, describe(a.Attempt))
		case OutcomeFailed:
			if err := ctx.Err(); err != nil {
				return err
			}
			return &FailedError{Attempts: n, Last: a.Attempt}
		}
		if err := c.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// permanent says whether an answer will not change by trying again soon:
// a redirect (never followed) or a client error, such as 401 for a wrong
// secret or 400 for a body the receiver refuses. 408, 409, 425 and 429 are
// worth retrying, as are server errors and no answer at all.
func permanent(status int) bool {
	switch {
	case status >= 300 && status < 400:
		return true
	case status == http.StatusRequestTimeout, status == http.StatusConflict, status == http.StatusTooEarly, status == http.StatusTooManyRequests:
		return false
	}
	return status >= 400 && status < 500
}

// answered is an attempt with the headers that decide the next one.
type answered struct {
	Attempt
	header http.Header
}

// retryAfter reads Retry-After on 429 and 503 answers.
func (a answered) retryAfter() (time.Duration, bool) {
	if a.Status != http.StatusTooManyRequests && a.Status != http.StatusServiceUnavailable {
		return 0, false
	}
	return httpretry.RetryAfter(a.header.Get("Retry-After"))
}

// maxExcerpt bounds the response text kept in the log.
const maxExcerpt = 512

func (c *Client) attempt(ctx context.Context, m *Message, n int) answered {
	now := time.Now()
	a := answered{Attempt: Attempt{N: n, Time: now.UTC()}}
	ctx, cancel := context.WithTimeout(ctx, seconds(c.retry.Timeout))
	defer cancel()
	var body io.Reader
	if m.Body != nil {
		body = bytes.NewReader(m.Body)
	}
	req, err := http.NewRequestWithContext(ctx, m.Method, m.URL, body)
	if err != nil {
		a.Error = err.Error()
		return a
	}
	for k, vs := range m.Header {
		req.Header[k] = vs
	}
	if m.Body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "sluice-webhooks")
	}
	req.Header.Set("webhook-id", m.ID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	if c.signer != nil {
		req.Header.Set("webhook-signature", c.signer.Sign(m.ID, now, m.Body))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		a.Latency = time.Since(now)
		a.Error = attemptError(err)
		return a
	}
	defer resp.Body.Close()
	head, err := io.ReadAll(io.LimitReader(resp.Body, maxExcerpt+utf8.UTFMax))
	if err == nil {
		// Drain a little more so the connection can be reused.
		_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	}
	a.Latency = time.Since(now)
	a.Status, a.header = resp.StatusCode, resp.Header
	a.Response = excerpt(head)
	if err != nil && resp.StatusCode >= 200 && resp.StatusCode < 300 {
		// The answer was cut off: count it as not delivered.
		a.Status, a.Error = 0, "reading the answer: "+attemptError(err)
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		a.Error = "redirects are not followed (" + resp.Header.Get("Location") + ")"
	}
	return a
}

// attemptError says why a request got no answer, briefly.
func attemptError(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timed out"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return err.Error()
}

// excerpt keeps the start of an answer as valid UTF-8 text, without the
// line break most error bodies end with.
func excerpt(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > maxExcerpt {
		b = b[:maxExcerpt]
		for len(b) > 0 && !utf8.Valid(b) {
			b = b[:len(b)-1]
		}
		return strings.ToValidUTF8(string(b), "?") + "…"
	}
	return strings.ToValidUTF8(string(b), "?")
}
