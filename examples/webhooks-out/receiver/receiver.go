package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// maxBody caps one request body.
const maxBody = 64 << 20

// receiver is the HTTP handler: control endpoints under /_ and a webhook
// endpoint everywhere else.
type receiver struct {
	hooks   []*standardwebhooks.Webhook // one per secret
	rawJSON bool                        // print raw bodies instead of summaries
	now     func() time.Time
	random  func() float64 // in [0, 1), for random_500

	outMu sync.Mutex
	out   io.Writer

	mu       sync.Mutex
	seen     map[string]bool // webhook-ids accepted
	received []delivery
	gone     bool
	rate     float64 // random_500
	rules    []rule  // queued failures, first applies next
}

// delivery is one accepted request, as GET /_received lists it.
type delivery struct {
	WebhookID  string            `json:"webhook_id"`
	Method     string            `json:"method"`
	URL        string            `json:"url"` // path and query
	Query      map[string]string `json:"query,omitempty"`
	Body       json.RawMessage   `json:"body"` // null when empty; a JSON string when not JSON
	Headers    map[string]string `json:"headers"`
	ReceivedAt time.Time         `json:"received_at"`
}

// rule is one queued failure.
type rule struct {
	Status     int   `json:"status,omitempty"`
	RetryAfter int   `json:"retry_after,omitempty"`
	DelayMS    int64 `json:"delay_ms,omitempty"`
	Reset      bool  `json:"reset,omitempty"`
	Count      int   `json:"count"` // requests left; -1 = until cleared
}

// failRequest is the body of POST /_fail (and what the -fail-* flags build).
type failRequest struct {
	Status     int      `json:"status"`
	RetryAfter int      `json:"retry_after"`
	Count      *int     `json:"count"`
	DelayMS    int64    `json:"delay_ms"`
	Reset      bool     `json:"reset"`
	Gone       *bool    `json:"gone"`
	Random500  *float64 `json:"random_500"`
	Clear      bool     `json:"clear"`
}

// failState is what GET and POST /_fail answer.
type failState struct {
	Gone      bool    `json:"gone"`
	Random500 float64 `json:"random_500"`
	Rules     []rule  `json:"rules"`
}

func newReceiver(secrets []string, out io.Writer) (*receiver, error) {
	if len(secrets) == 0 {
		return nil, errors.New("no secret: pass -secret whsec_... or set HOOK_SECRET (make one with -gen-secret)")
	}
	rc := &receiver{out: out, now: time.Now, random: rand.Float64, seen: map[string]bool{}}
	for i, s := range secrets {
		wh, err := standardwebhooks.NewWebhook(s)
		if err != nil {
			return nil, fmt.Errorf("secret %d is not whsec_ followed by base64: %w", i+1, err)
		}
		if strings.TrimPrefix(s, "whsec_") == "" {
			return nil, fmt.Errorf("secret %d is empty", i+1)
		}
		rc.hooks = append(rc.hooks, wh)
	}
	return rc, nil
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/_received":
		if !allow(w, r, http.MethodGet) {
			return
		}
		rc.mu.Lock()
		list := slices.Clone(rc.received)
		rc.mu.Unlock()
		if list == nil {
			list = []delivery{}
		}
		writeJSON(w, http.StatusOK, list)
	case "/_reset":
		if !allow(w, r, http.MethodPost) {
			return
		}
		rc.mu.Lock()
		n := len(rc.received)
		rc.received, rc.seen = nil, map[string]bool{}
		rc.gone, rc.rate, rc.rules = false, 0, nil
		rc.mu.Unlock()
		rc.printf("%s reset: forgot %d deliveries and every failure rule", rc.stamp(), n)
		writeJSON(w, http.StatusOK, map[string]any{"cleared": n})
	case "/_fail":
		if r.Method == http.MethodGet {
			writeJSON(w, http.StatusOK, rc.failState())
			return
		}
		if !allow(w, r, http.MethodPost) {
			return
		}
		var f failRequest
		dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "body must be a JSON object such as {\"status\": 500, \"count\": 3}: " + err.Error()})
			return
		}
		if err := rc.applyFail(f); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error()})
			return
		}
		st := rc.failState()
		rc.printf("%s failure rules now: %s", rc.stamp(), st)
		writeJSON(w, http.StatusOK, st)
	default:
		rc.deliver(w, r)
	}
}

// allow answers 405 unless the request uses method.
func allow(w http.ResponseWriter, r *http.Request, method string) bool {
	if r.Method == method {
		return true
	}
	w.Header().Set("Allow", method)
	writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"error": "use " + method})
	return false
}

// applyFail checks a failure request and applies it.
func (rc *receiver) applyFail(f failRequest) error {
	if f.Status != 0 && (f.Status < 200 || f.Status > 599) {
		return fmt.Errorf("status must be 200-599, not %d", f.Status)
	}
	if f.DelayMS < 0 || f.DelayMS > 10*60*1000 {
		return fmt.Errorf("delay_ms must be 0 to 600000, not %d", f.DelayMS)
	}
	if f.Reset && f.Status != 0 {
		return errors.New("reset closes the connection, so it cannot also answer a status")
	}
	if f.RetryAfter < 0 || (f.RetryAfter > 0 && f.Status == 0) {
		return errors.New("retry_after is a number of seconds and goes with status")
	}
	if f.Random500 != nil && (*f.Random500 < 0 || *f.Random500 > 1) {
		return fmt.Errorf("random_500 is a share from 0 to 1, not %g", *f.Random500)
	}
	isRule := f.Status != 0 || f.DelayMS != 0 || f.Reset
	count := 1
	if f.Count != nil {
		if !isRule {
			return errors.New("count goes with status, delay_ms or reset")
		}
		count = *f.Count
		if count == 0 || count < -1 {
			return fmt.Errorf("count must be positive, or -1 for every request until cleared; not %d", count)
		}
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if f.Clear {
		rc.gone, rc.rate, rc.rules = false, 0, nil
	}
	if f.Gone != nil {
		rc.gone = *f.Gone
	}
	if f.Random500 != nil {
		rc.rate = *f.Random500
	}
	if isRule {
		rc.rules = append(rc.rules, rule{Status: f.Status, RetryAfter: f.RetryAfter, DelayMS: f.DelayMS, Reset: f.Reset, Count: count})
	}
	return nil
}

func (rc *receiver) failState() failState {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return failState{Gone: rc.gone, Random500: rc.rate, Rules: append([]rule{}, rc.rules...)}
}

func (s failState) String() string {
	var parts []string
	if s.Gone {
		parts = append(parts, "gone (410)")
	}
	if s.Random500 > 0 {
		parts = append(parts, fmt.Sprintf("500 to %g of requests", s.Random500))
	}
	for _, r := range s.Rules {
		var what []string
		if r.DelayMS > 0 {
			what = append(what, fmt.Sprintf("wait %dms", r.DelayMS))
		}
		if r.Reset {
			what = append(what, "close the connection")
		}
		if r.Status != 0 {
			a := fmt.Sprintf("answer %d", r.Status)
			if r.RetryAfter > 0 {
				a += fmt.Sprintf(" (Retry-After: %d)", r.RetryAfter)
			}
			what = append(what, a)
		}
		n := "every request"
		if r.Count > 0 {
			n = fmt.Sprintf("next %d", r.Count)
		}
		parts = append(parts, n+": "+strings.Join(what, ", then "))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "; ")
}

// fault is what failure injection decides for one request.
type fault struct {
	gone   bool
	rule   *rule // the rule applied, with the count left after this request
	random bool
}

// nextFault takes the failure, if any, that applies to the next request.
func (rc *receiver) nextFault() fault {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.gone {
		return fault{gone: true}
	}
	if len(rc.rules) > 0 {
		r := rc.rules[0]
		if r.Count > 0 {
			r.Count--
			if r.Count == 0 {
				rc.rules = rc.rules[1:]
			} else {
				rc.rules[0].Count = r.Count
			}
		}
		return fault{rule: &r}
	}
	if rc.rate > 0 && rc.random() < rc.rate {
		return fault{random: true}
	}
	return fault{}
}

// deliver handles one webhook request.
func (rc *receiver) deliver(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get(standardwebhooks.HeaderWebhookID)
	target := r.URL.Path
	if r.Method == http.MethodGet {
		target = r.URL.RequestURI()
	}
	shownID := id
	if shownID == "" {
		shownID = "-"
	}
	line := func(status, what string) {
		rc.printf("%s %s %s id=%s %s %s", rc.stamp(), r.Method, target, shownID, status, what)
	}

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		status := http.StatusBadRequest
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			status = http.StatusRequestEntityTooLarge
		}
		line(strconv.Itoa(status), "unreadable body: "+err.Error())
		writeJSON(w, status, map[string]any{"error": err.Error()})
		return
	}
	if err := rc.verify(body, r.Header); err != nil {
		line("401", "REJECTED bad signature: "+err.Error())
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "bad signature: " + err.Error()})
		return
	}

	note := ""
	switch f := rc.nextFault(); {
	case f.gone:
		line("410", "gone (injected)")
		writeJSON(w, http.StatusGone, map[string]any{"error": "gone (injected failure)"})
		return
	case f.random:
		line("500", "injected failure (random)")
		writeJSON(w, http.StatusInternalServerError, map[string]any{"error": "injected failure (random)"})
		return
	case f.rule != nil:
		left := "until cleared"
		if f.rule.Count >= 0 {
			left = fmt.Sprintf("%d more", f.rule.Count)
		}
		if f.rule.DelayMS > 0 {
			time.Sleep(time.Duration(f.rule.DelayMS) * time.Millisecond)
			note = fmt.Sprintf(" (delayed %dms, %s", f.rule.DelayMS, left)
			if r.Context().Err() != nil {
				note += "; the client gave up"
			}
			note += ")"
		}
		switch {
		case f.rule.Reset:
			line("---", "connection closed without an answer (injected, "+left+")"+note)
			hangUp(w)
			return
		case f.rule.Status != 0:
			line(strconv.Itoa(f.rule.Status), "injected failure ("+left+")"+note)
			if f.rule.RetryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(f.rule.RetryAfter))
			}
			writeJSON(w, f.rule.Status, map[string]any{"error": "injected failure"})
			return
		}
	}

	what := summarize(r.Method, r.URL, body)
	if rc.rawJSON {
		what = rawText(r.Method, r.URL, body)
	}
	rc.mu.Lock()
	dup := rc.seen[id]
	if !dup {
		rc.seen[id] = true
		rc.received = append(rc.received, newDelivery(id, r, body, rc.now()))
	}
	rc.mu.Unlock()
	if dup {
		line("200", "duplicate: "+what+note)
		writeJSON(w, http.StatusOK, map[string]any{"received": true, "duplicate": true})
		return
	}
	line("200", what+note)
	writeJSON(w, http.StatusOK, map[string]any{"received": true})
}

// verify accepts the request when any secret verifies it (key rotation).
func (rc *receiver) verify(body []byte, h http.Header) error {
	var first error
	for _, wh := range rc.hooks {
		err := wh.Verify(body, h)
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	switch {
	case errors.Is(first, standardwebhooks.ErrRequiredHeaders):
		return errors.New("missing webhook-id, webhook-timestamp or webhook-signature header")
	case errors.Is(first, standardwebhooks.ErrNoMatchingSignature):
		return errors.New("no signature matches (wrong secret, or the body or webhook-id changed)")
	case errors.Is(first, standardwebhooks.ErrMessageTooOld), errors.Is(first, standardwebhooks.ErrMessageTooNew):
		return errors.New("webhook-timestamp is more than 5 minutes off")
	case errors.Is(first, standardwebhooks.ErrInvalidHeaders):
		return errors.New("webhook-timestamp is not a number of seconds")
	}
	return first
}

// hangUp closes the connection without an answer, with a TCP reset where
// it can.
func hangUp(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]any{"error": "cannot close the connection: " + err.Error()})
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	conn.Close()
}

func newDelivery(id string, r *http.Request, body []byte, at time.Time) delivery {
	d := delivery{WebhookID: id, Method: r.Method, URL: r.URL.RequestURI(), Headers: map[string]string{}, ReceivedAt: at}
	switch {
	case len(body) == 0:
	case json.Valid(body):
		d.Body = json.RawMessage(body)
	default:
		d.Body, _ = json.Marshal(string(body))
	}
	if q := r.URL.Query(); len(q) > 0 {
		d.Query = map[string]string{}
		for k, v := range q {
			d.Query[k] = strings.Join(v, ",")
		}
	}
	for k, v := range r.Header {
		lk := strings.ToLower(k)
		switch {
		case strings.HasPrefix(lk, "webhook-"), strings.HasPrefix(lk, "x-"),
			lk == "content-type", lk == "user-agent":
			d.Headers[lk] = strings.Join(v, ", ")
		}
	}
	return d
}

func (rc *receiver) stamp() string { return rc.now().Format("15:04:05.000") }

func (rc *receiver) printf(format string, args ...any) {
	rc.outMu.Lock()
	defer rc.outMu.Unlock()
	fmt.Fprintf(rc.out, format+"\n", args...)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
