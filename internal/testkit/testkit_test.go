package testkit

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// errorsTB keeps the errors a server reports instead of failing the test.
type errorsTB struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (e *errorsTB) Errorf(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.errs = append(e.errs, fmt.Sprintf(format, args...))
}

func post(t *testing.T, url, sec, id, body string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if sec != "" {
		Sign(t, req, sec, id, body)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func TestReceiverVerifiesAndScripts(t *testing.T) {
	tb := &errorsTB{TB: t}
	rc := NewReceiver(tb, ReceiverOptions{
		Secrets: []string{secret},
		Replies: []Reply{{Status: 503, RetryAfter: "7"}, {Body: "hi"}},
	})
	if code, _, h := post(t, rc.URL+"/a?x=1", secret, "m1", `{"n": 1}`); code != 503 || h.Get("Retry-After") != "7" {
		t.Errorf("first reply: %d %v", code, h)
	}
	if code, body, _ := post(t, rc.URL, secret, "m2", "{}"); code != 200 || body != "hi" {
		t.Errorf("second reply: %d %q", code, body)
	}
	if code, _, _ := post(t, rc.URL, secret, "m3", "{}"); code != 204 {
		t.Errorf("default reply: %d", code)
	}
	other := "whsec_c2VjcmV0LXR3by1mb3Ita2V5LXJvdGF0aW9uIQ=="
	if code, _, _ := post(t, rc.URL, other, "m4", "{}"); code != 401 {
		t.Errorf("wrong secret: %d", code)
	}
	reqs := rc.Requests()
	if len(reqs) != 3 || reqs[0].Path != "/a" || reqs[0].Query != "x=1" || reqs[0].Body != `{"n": 1}` || reqs[0].Header.Get("webhook-id") != "m1" {
		t.Errorf("requests: %+v", reqs)
	}
	if rc.Rejected() != 1 || len(tb.errs) != 1 || !strings.Contains(tb.errs[0], "signature rejected") {
		t.Errorf("rejected %d, errors %q", rc.Rejected(), tb.errs)
	}
	if err := Verify(secret, reqs[1].Body, reqs[1].Header); err != nil {
		t.Errorf("Verify: %v", err)
	}
	if Verify(other, reqs[1].Body, reqs[1].Header) == nil {
		t.Error("Verify accepted another secret")
	}
}

func TestReceiverHandleAndNext(t *testing.T) {
	rc := NewReceiver(t, ReceiverOptions{})
	var tries Attempts
	rc.Handle(func(n int, w http.ResponseWriter, r *http.Request) bool {
		if i := tries.Add(r, "ok"); i == 0 {
			tries.Mark(i, "500")
			b, _ := io.ReadAll(r.Body)
			http.Error(w, string(b), 500)
			return true
		}
		return false
	})
	if code, body, _ := post(t, rc.URL, secret, "m1", "one"); code != 500 || body != "one\n" {
		t.Errorf("answered by the hook: %d %q", code, body)
	}
	if rc.Count() != 0 {
		t.Errorf("the receiver recorded a request its hook answered")
	}
	post(t, rc.URL, secret, "m1", "one")
	if r := rc.Next(t, 10*time.Second); r.Body != "one" {
		t.Fatalf("next: %+v", r)
	}
	if got := tries.All(); len(got) != 2 || got[0].Result != "500" || got[0].ID != "m1" || got[1].Result != "ok" {
		t.Errorf("attempts %+v", got)
	}
}

func TestReceiverHold(t *testing.T) {
	hold := make(chan struct{})
	rc := NewReceiver(t, ReceiverOptions{Reply: Reply{Status: 202, Hold: hold}})
	done := make(chan int)
	go func() {
		resp, err := http.Post(rc.URL, "text/plain", strings.NewReader("x"))
		if err != nil {
			done <- -1
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	rc.Next(t, 10*time.Second) // recorded before the answer
	select {
	case <-done:
		t.Fatal("answered before the hold was released")
	case <-time.After(50 * time.Millisecond):
	}
	close(hold)
	if code := <-done; code != 202 {
		t.Errorf("status %d", code)
	}
}

func TestAPIAndConns(t *testing.T) {
	a := NewAPI(t, nil)
	resp, err := http.Get(a.URL + "/items%2F1?q=a")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "{}\n" || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("default answer %d %q", resp.StatusCode, b)
	}
	if r := a.Last(t); r.EscapedPath != "/items%2F1" || r.Path != "/items/1" || r.URI != "/items%2F1?q=a" || a.Count() != 1 {
		t.Errorf("request %+v", r)
	}
	if a.Conns.Open() != 1 {
		t.Errorf("%d open connections, want the kept-alive one", a.Conns.Open())
	}
	http.DefaultClient.CloseIdleConnections()
	for deadline := time.Now().Add(5 * time.Second); a.Conns.Open() != 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if a.Conns.Open() != 0 {
		t.Errorf("%d open connections after closing", a.Conns.Open())
	}
}

func TestBufferLogger(t *testing.T) {
	var b Buffer
	b.Logger().Debug("hello", "k", "v")
	if !strings.Contains(b.String(), "level=DEBUG msg=hello k=v") {
		t.Errorf("log %q", b.String())
	}
}

func TestModuleRoot(t *testing.T) {
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "cmd", "sluice", "main.go")); err != nil {
		t.Fatalf("%q is not the sluice checkout: %v", root, err)
	}
}
