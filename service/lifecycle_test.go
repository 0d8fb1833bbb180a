package service

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/sluice-sync/sluice/builtin"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/pipes"
)

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
// connections (a REST system, a REST sink, a webhook sink, and the run
// notifications) against a real server, reloads the config several times and stops: each reload must
// close the old components — no connection to the server stays open, no
// file descriptor or goroutine is left — and stop must close the last.
func TestReloadAndStopLeaveNothingBehind(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	api := testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodGet {
			io.WriteString(w, `[{"_id": "a", "n": 1}, {"_id": "b", "n": 2}]`)
			return
		}
		io.WriteString(w, `{}`)
	})
	defer api.Close() // before goleak looks; the test's cleanup would be too late
	conns := api.Conns

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
  "sink": {"type": "webhook", "url": "` + api.URL + `/hook", "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}},
 {"_id": "ops", "type": "destination", "url": "` + api.URL + `/notify", "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
 {"_id": "everything", "type": "subscription", "events": ["*"], "destinations": ["ops"]}
]`
	dir := testkit.ConfigDir(t, map[string]string{"p.json": config})
	st := testkit.OpenStoreAt(t, t.TempDir())
	defer st.Close() // before goleak looks, as api
	reg := builtin.Registry()
	load := func() (*pipes.Config, error) { return pipes.Load(dir, pipes.Options{Types: reg}) }
	svc, err := New(Options{Load: load, Store: st, Registry: reg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Stop() // on failure too, before goleak looks; a second Stop does nothing
	runAll := func() {
		t.Helper()
		for _, id := range []string{"pull", "push", "hook"} {
			sum, err := svc.Engine().Run(context.Background(), id, engine.RunOptions{Full: true})
			if err != nil {
				t.Fatalf("run %s: %v (%s)", id, err, sum.Error)
			}
			svc.afterRun(id, sum, err) // notifies, as the scheduler would
		}
		if conns.Open() == 0 {
			t.Fatal("the pipes left no connection open to reuse; the test would prove nothing")
		}
	}

	var fds []int
	for range 4 {
		runAll()
		if err := svc.Reload(); err != nil {
			t.Fatal(err)
		}
		if !waitFor(func() bool { return conns.Open() == 0 }) {
			t.Fatalf("after a reload %d connections of the old config's components are still open", conns.Open())
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
	if !waitFor(func() bool { return conns.Open() == 0 }) {
		t.Fatalf("after stop %d connections are still open", conns.Open())
	}
	if _, err := old.Run(context.Background(), "pull", engine.RunOptions{}); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("a run on a closed engine: %v, want it refused", err)
	}
}
