package testkit

import (
	"bytes"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"
)

// Request is one request a test server got, as it arrived.
type Request struct {
	Method      string
	Path        string // decoded, as r.URL.Path
	EscapedPath string // as sent
	Query       string // raw
	URI         string // escaped path and query
	Header      http.Header
	Body        string
	At          time.Time
}

// readRequest records r and puts its body back, so a handler can read it too.
func readRequest(r *http.Request) Request {
	b, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(b))
	return Request{
		Method: r.Method, Path: r.URL.Path, EscapedPath: r.URL.EscapedPath(), Query: r.URL.RawQuery,
		URI: r.URL.RequestURI(), Header: r.Header.Clone(), Body: string(b), At: time.Now(),
	}
}

// recorder keeps a server's requests in order, for tests that list them
// afterwards and for tests that wait for each as it comes.
type recorder struct {
	mu    sync.Mutex
	reqs  []Request
	taken int           // how many Next and Await returned
	wake  chan struct{} // closed by the next add
}

func (rec *recorder) add(r Request) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.reqs = append(rec.reqs, r)
	if rec.wake != nil {
		close(rec.wake)
		rec.wake = nil
	}
}

// Requests lists the requests recorded so far.
func (rec *recorder) Requests() []Request {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]Request(nil), rec.reqs...)
}

// Count is how many requests were recorded.
func (rec *recorder) Count() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.reqs)
}

// Last is the latest request; the test fails when there is none.
func (rec *recorder) Last(t testing.TB) Request {
	t.Helper()
	reqs := rec.Requests()
	if len(reqs) == 0 {
		t.Fatal("the server got no request")
	}
	return reqs[len(reqs)-1]
}

// Next waits up to timeout for the request after the one it returned last
// (the first, at first call), failing the test when none comes.
func (rec *recorder) Next(t testing.TB, timeout time.Duration) Request {
	t.Helper()
	r, ok := rec.Await(timeout)
	if !ok {
		t.Fatalf("no request arrived within %v", timeout)
	}
	return r
}

// Await is Next for a test that says itself what it missed: false when
// no request came within timeout.
func (rec *recorder) Await(timeout time.Duration) (Request, bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		rec.mu.Lock()
		if rec.taken < len(rec.reqs) {
			r := rec.reqs[rec.taken]
			rec.taken++
			rec.mu.Unlock()
			return r, true
		}
		if rec.wake == nil {
			rec.wake = make(chan struct{})
		}
		wake := rec.wake
		rec.mu.Unlock()
		select {
		case <-wake:
		case <-deadline.C:
			return Request{}, false
		}
	}
}
