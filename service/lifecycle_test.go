package service

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/sluice-sync/sluice/builtin"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
)

// openConns counts a test server's connections that are not closed.
type openConns struct {
	mu    sync.Mutex
	conns map[net.Conn]bool
}

func (o *openConns) track(c net.Conn, s http.ConnState) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.conns == nil {
		o.conns = map[net.Conn]bool{}
	}
	switch s {
	case http.StateClosed, http.StateHijacked:
		delete(o.conns, c)
	default:
		o.conns[c] = true
	}
}

func (o *openConns) count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.conns)
}

// waitFor polls cond for up to 5 seconds.
func waitFor(cond func() bool) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

func openFDs(t *testing.T) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd on this system")
	}
	return len(fds)
}

// TestReloadAndStopLeaveNothingBehind runs pipes whose components hold
// connections (a REST system, a REST sink, a webhook sink) against a real
// server, reloads the config several times and stops: each reload must
// close the old components — no connection to the server stays open, no
// file descriptor or goroutine is left — and stop must close the last.
func TestReloadAndStopLeaveNothingBehind(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	var conns openConns
	api := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodGet {
			io.WriteString(w, `[{"_id": "a", "n": 1}, {"_id": "b", "n": 2}]`)
			return
		}
		io.WriteString(w, `{}`)
	}))
	api.Config.ConnState = conns.track
	api.Start()
	defer api.Close()

	dir := t.TempDir()
	config := `[
 {"_id": "api", "type": "system:rest", "base_url": "` + api.URL + `/",
  "operations": {"list": {"url": "items", "method": "GET"}, "put": {"url": "items/{{ _id }}", "method": "PUT"}}},
 {"_id": "pull", "type": "pipe", "pump": {"mode": "manual"},
  "source": {"type": "rest", "system": "api", "operation": "list"}},
 {"_id": "push", "type": "pipe", "pump": {"mode": "manual"},
  "source": {"type": "dataset", "dataset": "pull"},
  "sink": {"type": "rest", "system": "api", "operation": "put"}},
 {"_id": "hook", "type": "pipe", "pump": {"mode": "manual"},
  "source": {"type": "dataset", "dataset": "pull"},
  "sink": {"type": "webhook", "url": "` + api.URL + `/hook", "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}
]`
	if err := os.WriteFile(filepath.Join(dir, "p.json"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	reg := builtin.Registry()
	load := func() (*pipes.Config, error) { return pipes.Load(dir, pipes.Options{Types: reg}) }
	svc, err := New(Options{Load: load, Store: st, Registry: reg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	runAll := func() {
		t.Helper()
		for _, id := range []string{"pull", "push", "hook"} {
			if sum, err := svc.Engine().Run(context.Background(), id, engine.RunOptions{Full: true}); err != nil {
				t.Fatalf("run %s: %v (%s)", id, err, sum.Error)
			}
		}
		if conns.count() == 0 {
			t.Fatal("the pipes left no connection open to reuse; the test would prove nothing")
		}
	}

	var fds []int
	for range 4 {
		runAll()
		if err := svc.Reload(); err != nil {
			t.Fatal(err)
		}
		if !waitFor(func() bool { return conns.count() == 0 }) {
			t.Fatalf("after a reload %d connections of the old config's components are still open", conns.count())
		}
		fds = append(fds, openFDs(t))
	}
	if fds[len(fds)-1] > fds[0] {
		t.Errorf("file descriptors grew over reloads: %v", fds)
	}
	old := svc.Engine()
	if _, err := old.Run(context.Background(), "pull", engine.RunOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Stop(); err != nil {
		t.Fatal(err)
	}
	if !waitFor(func() bool { return conns.count() == 0 }) {
		t.Fatalf("after stop %d connections are still open", conns.count())
	}
	if _, err := old.Run(context.Background(), "pull", engine.RunOptions{}); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("a run on a closed engine: %v, want it refused", err)
	}
}
