package service

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/internal/testkit"
)

// blockingServer answers a REST source's request only when the test ends;
// its Next waits for each request it holds.
func blockingServer(t *testing.T) *testkit.Receiver {
	t.Helper()
	done := make(chan struct{})
	srv := testkit.NewReceiver(t, testkit.ReceiverOptions{Reply: testkit.Reply{
		Status: http.StatusOK, Body: `[{"_id": "a"}]`, Header: http.Header{"Content-Type": {"application/json"}}, Hold: done}})
	t.Cleanup(func() { close(done) }) // before the server closes
	return srv
}

func blockingPipe(url string) map[string]string {
	return map[string]string{
		"s.json": `{"_id": "api", "type": "system:rest", "url_pattern": "` + url + `/%s",
		  "operations": {"get": {"url": "items", "method": "GET"}}}`,
		"p.json": `{"_id": "slow", "type": "pipe", "pump": {"mode": "manual"},
		  "source": {"type": "rest", "system": "api", "operation": "get"}}`,
	}
}

// A second start while a run goes is refused with 409, with or without
// wait, and leaves the first run stoppable.
func TestStartWhileRunningConflicts(t *testing.T) {
	slow := blockingServer(t)
	svc, srv, _ := startService(t, "", blockingPipe(slow.URL))
	u := srv.URL + "/api/pipes/slow/pump"
	if code, body := call(t, "POST", u, "operation=start"); code != 202 || !strings.Contains(body, `"started":true`) {
		t.Fatalf("first start: %d %s", code, body)
	}
	slow.Next(t, 10*time.Second) // the run reached the server
	for _, body := range []string{"operation=start", "operation=start&wait=true", `{"operation": "start", "wait": true}`} {
		code, resp := call(t, "POST", u, body)
		if code != 409 || !strings.Contains(resp, `slow`) || !strings.Contains(resp, "running") || !strings.Contains(resp, `"status":409`) {
			t.Fatalf("start while running (%s): %d %s; want 409 naming the pipe", body, code, resp)
		}
	}
	// A scheduled tick or a dataset poke colliding with the run must not
	// take its record either.
	svc.scheduler().runOnce("slow")
	if code, body := call(t, "GET", srv.URL+"/api/pipes/slow", ""); code != 200 || !strings.Contains(body, `"running":true`) {
		t.Fatalf("the pipe is no longer shown running: %d %s", code, body)
	}
	if code, body := call(t, "POST", u, "operation=stop"); code != 200 || !strings.Contains(body, `"stopped":true`) {
		t.Fatalf("stop: %d %s", code, body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for svc.scheduler().isRunning("slow") {
		if time.Now().After(deadline) {
			t.Fatal("the stopped run did not end")
		}
		time.Sleep(10 * time.Millisecond)
	}
	st, err := svc.Engine().PipeState("slow")
	if err != nil || !strings.Contains(string(st.LastRun), "canceled") {
		t.Fatalf("the run's record should say it was stopped: %s %v", st.LastRun, err)
	}
	// Once it ended, a start works again.
	if code, body := call(t, "POST", u, "operation=start"); code != 202 {
		t.Fatalf("start after stop: %d %s", code, body)
	}
	slow.Next(t, 10*time.Second) // the run reached the server
}
