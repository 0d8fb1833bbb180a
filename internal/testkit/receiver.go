package testkit

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// Reply is how a Receiver answers a request.
type Reply struct {
	Status     int         // 0: 204, or 200 when there is a Body
	Body       string      // the response body
	RetryAfter string      // the Retry-After header, when set
	Header     http.Header // more headers, when set
	// Delay and Hold hold the answer back: for Delay, and until Hold is
	// closed. Either ends early when the client gives up.
	Delay time.Duration
	Hold  <-chan struct{}
}

// Replies answers with one status each.
func Replies(statuses ...int) []Reply {
	out := make([]Reply, len(statuses))
	for i, s := range statuses {
		out[i] = Reply{Status: s}
	}
	return out
}

// ReceiverOptions configure a Receiver.
type ReceiverOptions struct {
	// Secrets, when given, must each have signed every request: the
	// receiver checks with the Standard Webhooks reference library (an
	// implementation independent of sluice's), fails the test and answers
	// 401 when one did not.
	Secrets []string
	// Replies answer the first requests, one each and in order; Reply
	// answers the rest.
	Replies []Reply
	Reply   Reply
}

// Receiver is a webhook endpoint on a loopback port. It records every
// request it accepts (Requests, Next), at arrival, before it answers.
type Receiver struct {
	*httptest.Server
	recorder
	Conns *Conns

	state    sync.Mutex
	rejected int
	replies  []Reply
	handle   func(n int, w http.ResponseWriter, r *http.Request) bool
}

// NewReceiver starts a receiver; it stops when the test ends.
func NewReceiver(t testing.TB, o ReceiverOptions) *Receiver {
	t.Helper()
	var verifiers []*standardwebhooks.Webhook
	for _, s := range o.Secrets {
		wh, err := standardwebhooks.NewWebhook(s)
		if err != nil {
			t.Fatalf("testkit: secret %q: %v", s, err)
		}
		verifiers = append(verifiers, wh)
	}
	rc := &Receiver{Conns: &Conns{}, replies: append([]Reply(nil), o.Replies...)}
	rc.Server = serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := readRequest(r)
		for _, wh := range verifiers {
			if err := wh.Verify([]byte(req.Body), r.Header); err != nil {
				rc.state.Lock()
				rc.rejected++
				rc.state.Unlock()
				t.Errorf("signature rejected by the standard-webhooks library: %v", err)
				http.Error(w, "bad signature", http.StatusUnauthorized)
				return
			}
		}
		rc.state.Lock()
		handle := rc.handle
		rc.state.Unlock()
		if handle != nil && handle(rc.Count(), w, r) {
			return
		}
		rc.add(req)
		rc.state.Lock()
		reply := o.Reply
		if len(rc.replies) > 0 {
			reply, rc.replies = rc.replies[0], rc.replies[1:]
		}
		rc.state.Unlock()
		reply.write(w, r)
	}), rc.Conns)
	return rc
}

// Handle sets a hook that sees each verified request first, with the number
// accepted before it; when it answers (returning true) the request is
// neither recorded nor answered by the script.
func (rc *Receiver) Handle(f func(n int, w http.ResponseWriter, r *http.Request) bool) {
	rc.state.Lock()
	defer rc.state.Unlock()
	rc.handle = f
}

// Rejected is how many requests failed the signature check.
func (rc *Receiver) Rejected() int {
	rc.state.Lock()
	defer rc.state.Unlock()
	return rc.rejected
}

func (p Reply) write(w http.ResponseWriter, r *http.Request) {
	if p.Hold != nil {
		select {
		case <-p.Hold:
		case <-r.Context().Done():
		}
	}
	if p.Delay > 0 {
		select {
		case <-time.After(p.Delay):
		case <-r.Context().Done():
		}
	}
	for k, vs := range p.Header {
		w.Header()[k] = vs
	}
	if p.RetryAfter != "" {
		w.Header().Set("Retry-After", p.RetryAfter)
	}
	status := p.Status
	if status == 0 {
		status = http.StatusNoContent
		if p.Body != "" {
			status = http.StatusOK
		}
	}
	w.WriteHeader(status)
	if p.Body != "" {
		w.Write([]byte(p.Body))
	}
}
