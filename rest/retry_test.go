package rest

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/httpretry"
	"github.com/sluice-sync/sluice/internal/testkit"
)

// callOnce runs the operation "op" of sysJSON once through a transform.
func callOnce(t *testing.T, sysJSON, url, transformExtra string) error {
	t.Helper()
	sys := newSystem(t, subst(sysJSON, url))
	tr := mustTransform(t, sys, `{"system": "api", "operation": "op"`+transformExtra+`}`)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := tr.Transform(ctx, entities(`{"_id": "e1"}`))
	return err
}

func TestRateLimitingRetriesThenFails(t *testing.T) {
	for _, status := range []int{429, 503} {
		api := testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, _ string) {
			w.Header().Set("Retry-After", "0")
			writeRaw(w, status, `{"error": "slow down"}`)
		})
		start := time.Now()
		err := callOnce(t, `{"url_pattern": "$URL/%s", "rate_limiting_retries": 3, "rate_limiting_delay": 60,
		  "operations": {"op": {"url": "x", "method": "GET"}}}`, api.URL, "")
		if err == nil {
			t.Fatalf("%d: no error", status)
		}
		if n := api.Count(); n != 4 {
			t.Errorf("%d: %d requests, want 1 + 3 retries", status, n)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%d: Retry-After 0 was not honoured (took %v; rate_limiting_delay is 60 s)", status, d)
		}
		mustContain(t, "error", err.Error(), "operation op", "GET "+api.URL+"/x", "answered "+strconv.Itoa(status), "slow down")
	}
}

func TestRateLimitingRetryAfterSeconds(t *testing.T) {
	var calls atomic.Int32
	api := testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(429)
			return
		}
		writeJSON(w, 200, map[string]any{"ok": true})
	})
	start := time.Now()
	err := callOnce(t, `{"url_pattern": "$URL/%s", "rate_limiting_retries": 2, "rate_limiting_delay": 0.01,
	  "operations": {"op": {"url": "x", "method": "GET"}}}`, api.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 900*time.Millisecond || d > 8*time.Second {
		t.Errorf("took %v; Retry-After: 1 says one second", d)
	}
	if api.Count() != 2 {
		t.Errorf("%d requests", api.Count())
	}
}

func TestRateLimitingDelayWithoutRetryAfter(t *testing.T) {
	var calls atomic.Int32
	var mu sync.Mutex
	var times []time.Time
	api := testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
		if calls.Add(1) <= 3 {
			w.WriteHeader(503)
			return
		}
		writeJSON(w, 200, map[string]any{})
	})
	start := time.Now()
	err := callOnce(t, `{"url_pattern": "$URL/%s", "rate_limiting_retries": 3, "rate_limiting_delay": 0.05,
	  "operations": {"op": {"url": "x", "method": "GET"}}}`, api.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	if api.Count() != 4 {
		t.Errorf("%d requests, want 4", api.Count())
	}
	d := time.Since(start)
	if d < 150*time.Millisecond || d > 5*time.Second {
		t.Errorf("3 retries 0.05 s apart took %v", d)
	}
	mu.Lock()
	defer mu.Unlock()
	for i := 1; i < len(times); i++ {
		if gap := times[i].Sub(times[i-1]); gap < 45*time.Millisecond {
			t.Errorf("retry %d came after %v, before rate_limiting_delay", i, gap)
		}
	}
}

func TestRateLimitingRetriesPerOperation(t *testing.T) {
	api := testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, _ string) { w.WriteHeader(429) })
	sys := `{"url_pattern": "$URL/%s", "rate_limiting_retries": 5, "rate_limiting_delay": 0.01,
	  "operations": {"op": {"url": "x", "method": "GET", "rate_limiting_retries": 1}}}`
	if err := callOnce(t, sys, api.URL, ""); err == nil {
		t.Fatal("429 passed")
	}
	if n := api.Count(); n != 2 {
		t.Errorf("operation's rate_limiting_retries 1: %d requests", n)
	}
	// The component's own setting wins over the operation's.
	if err := callOnce(t, sys, api.URL, `, "rate_limiting_retries": 0`); err == nil {
		t.Fatal("429 passed")
	}
	if n := api.Count(); n != 3 {
		t.Errorf("component's rate_limiting_retries 0: %d requests in all, want 3", n)
	}
	// By default a 429 is not retried.
	if err := callOnce(t, `{"url_pattern": "$URL/%s", "operations": {"op": {"url": "x", "method": "GET"}}}`, api.URL, ""); err == nil {
		t.Fatal("429 passed")
	}
	if n := api.Count(); n != 4 {
		t.Errorf("default: %d requests in all, want 4", n)
	}
	// Other statuses are never retried.
	api2 := testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, _ string) { w.WriteHeader(500) })
	if err := callOnce(t, sys, api2.URL, ""); err == nil || api2.Count() != 1 {
		t.Errorf("500: err %v after %d requests", err, api2.Count())
	}
}

func TestRetryAfterHeader(t *testing.T) {
	for h, want := range map[string]time.Duration{"0": 0, "3": 3 * time.Second, " 2 ": 2 * time.Second} {
		if d, ok := httpretry.RetryAfter(h); !ok || d != want {
			t.Errorf("httpretry.RetryAfter(%q) = %v, %v", h, d, ok)
		}
	}
	for _, h := range []string{"", "-1", "soon"} {
		if _, ok := httpretry.RetryAfter(h); ok {
			t.Errorf("httpretry.RetryAfter(%q) accepted", h)
		}
	}
	d, ok := httpretry.RetryAfter(time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat))
	if !ok || d <= 0 || d > 3*time.Second {
		t.Errorf("HTTP date: %v %v", d, ok)
	}
	if d, ok := httpretry.RetryAfter(time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)); !ok || d != 0 {
		t.Errorf("past HTTP date: %v %v", d, ok)
	}
}

// closedPort returns an address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestConnectionRefusedRetries(t *testing.T) {
	addr := closedPort(t)
	start := time.Now()
	err := callOnce(t, `{"url_pattern": "http://`+addr+`/%s", "connection_retries": 0, "operations": {"op": {"url": "x", "method": "POST"}}}`, "", "")
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("err %v", err)
	}
	if d := time.Since(start); d > 400*time.Millisecond {
		t.Errorf("connection_retries 0 waited %v", d)
	}
	mustContain(t, "error", err.Error(), "operation op", "POST http://"+addr+"/x")

	// Two retries wait 0.5 s and 1 s: a dial failure is retried even for a
	// POST, as nothing reached the server.
	start = time.Now()
	err = callOnce(t, `{"url_pattern": "http://`+addr+`/%s", "connection_retries": 2, "operations": {"op": {"url": "x", "method": "POST"}}}`, "", "")
	if err == nil {
		t.Fatal("no error")
	}
	if d := time.Since(start); d < 1400*time.Millisecond || d > 10*time.Second {
		t.Errorf("2 connection retries took %v, want about 1.5 s", d)
	}
}

// TestConnectionRetryReachesAServerThatComesUp: the port is closed at the
// first attempt and served from the second on.
func TestConnectionRetryReachesAServerThatComesUp(t *testing.T) {
	addr := closedPort(t)
	var got atomic.Int32
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		writeJSON(w, 201, map[string]any{"made": true})
	})}
	ready := make(chan error, 1)
	go func() {
		time.Sleep(200 * time.Millisecond)
		ln, err := net.Listen("tcp", addr)
		ready <- err
		if err == nil {
			_ = srv.Serve(ln)
		}
	}()
	t.Cleanup(func() { _ = srv.Close() })
	sys := newSystem(t, `{"url_pattern": "http://`+addr+`/%s", "connection_retries": 3, "operations": {"op": {"url": "x", "method": "POST", "payload": {"a": 1}}}}`)
	tr := mustTransform(t, sys, `{"system": "api", "operation": "op"}`)
	out, err := transform(t, tr, `{"_id": "e1"}`)
	if lerr := <-ready; lerr != nil {
		t.Fatalf("could not listen on %s again (taken by another process?): %v", addr, lerr)
	}
	if err != nil {
		t.Fatal(err)
	}
	if got.Load() != 1 {
		t.Errorf("the server got %d requests", got.Load())
	}
	sameJSON(t, "entity", out, `[{"_id": "e1", "response": {"made": true}}]`)
}

// brokenServer reads each request and closes the connection without an
// answer.
func brokenServer(t *testing.T) *testkit.API {
	t.Helper()
	return testkit.NewAPI(t, func(w http.ResponseWriter, _ *http.Request, _ string) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		conn.Close()
	})
}

func TestBrokenConnection(t *testing.T) {
	for _, c := range []struct {
		method string
		tries  int
	}{{"POST", 1}, {"PATCH", 1}, {"GET", 2}, {"PUT", 2}, {"DELETE", 2}} {
		srv := brokenServer(t)
		err := callOnce(t, `{"url_pattern": "$URL/%s", "connection_retries": 1,
		  "operations": {"op": {"url": "x", "method": "`+c.method+`", "payload": {"a": 1}}}}`, srv.URL, `, "side_effects": false`)
		if err == nil {
			t.Errorf("%s: no error", c.method)
			continue
		}
		if got := srv.Count(); got != c.tries {
			t.Errorf("%s whose connection broke: sent %d times, want %d", c.method, got, c.tries)
		}
		mustContain(t, c.method+" error", err.Error(), c.method+" "+srv.URL+"/x")
	}
}

func TestRetryWaitStopsWithTheContext(t *testing.T) {
	api := testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(429)
	})
	sys := newSystem(t, subst(`{"url_pattern": "$URL/%s", "rate_limiting_retries": 5, "operations": {"op": {"url": "x", "method": "GET"}}}`, api.URL))
	tr := mustTransform(t, sys, `{"system": "api", "operation": "op"}`)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := tr.Transform(ctx, entities(`{"_id": "e1"}`))
	if err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("err %v after %v", err, time.Since(start))
	}
}
