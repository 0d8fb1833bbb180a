package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/internal/testkit"
)

// servicePipes: a push receiver, and a manual pipe copying what it got.
const servicePipes = `[
  {"_id": "inbox", "type": "pipe", "source": {"type": "http_endpoint"}},
  {"_id": "copy", "type": "pipe", "pump": {"mode": "manual"},
   "source": {"type": "dataset", "dataset": "inbox"},
   "transform": {"type": "dtl", "rules": {"default": [["copy", "*"], ["add", "seen", true]]}}}
]`

// service is a running `sluice run`.
type service struct {
	url    string
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	done   chan error
}

// launchRun starts `sluice run` on a free loopback port, in a working folder
// of its own, with its stderr to read; cancel kills it (at the latest two
// minutes on).
func launchRun(t *testing.T, args ...string) (*exec.Cmd, io.Reader, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd := exec.CommandContext(ctx, testkit.Sluice(t), append([]string{"run", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Dir = t.TempDir()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	return cmd, stderr, cancel
}

// startService starts `sluice run` on a free loopback port and waits until
// it says where it serves. It is killed when the test ends, if still up.
func startService(t *testing.T, args ...string) *service {
	t.Helper()
	cmd, pipe, cancel := launchRun(t, args...)
	s := &service{cmd: cmd, stderr: &bytes.Buffer{}, done: make(chan error, 1)}
	t.Cleanup(func() { cancel(); <-s.done })
	lines := bufio.NewReader(pipe)
	for s.url == "" {
		line, err := lines.ReadString('\n')
		s.stderr.WriteString(line)
		if err != nil {
			t.Fatalf("sluice run stopped before serving: %v\n%s", err, s.stderr)
		}
		if i := strings.Index(line, "serving on http://"); i >= 0 {
			s.url = strings.Fields(line[i+len("serving on "):])[0]
		}
	}
	go func() {
		io.Copy(s.stderr, lines) // keep reading, so the service never blocks on a full pipe
		s.done <- cmd.Wait()
	}()
	return s
}

// stop sends SIGTERM and waits for a clean exit.
func (s *service) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-s.done:
		s.done <- err // for the cleanup
		if err != nil {
			t.Fatalf("sluice run after SIGTERM: %v\n%s", err, s.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("sluice run did not stop on SIGTERM\n%s", s.stderr)
	}
}

func (s *service) do(t *testing.T, method, path, contentType, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// TestServiceReceivePumpRead pushes entities into a receiver of the real
// binary, runs the downstream pipe through the API, reads the result through
// the API, stops the service with SIGTERM and finds the data on disk.
func TestServiceReceivePumpRead(t *testing.T) {
	cfg, data := t.TempDir(), filepath.Join(t.TempDir(), "data")
	testkit.WriteFile(t, filepath.Join(cfg, "pipes.json"), servicePipes)
	svc := startService(t, "--config", cfg, "--data", data)

	code, body := svc.do(t, "POST", "/api/receivers/inbox/entities", "application/json", `[{"_id": "a", "n": 1}, {"_id": "b", "n": 2}]`)
	if code != 200 {
		t.Fatalf("receive: %d %s", code, body)
	}
	// A bad request is refused precisely and writes nothing.
	code, body = svc.do(t, "POST", "/api/receivers/inbox/entities", "application/json", `[{"_id": "c"}, {"n": 3}]`)
	if code != 400 || !strings.Contains(body, "item 1") {
		t.Fatalf("receive without _id: %d %s", code, body)
	}
	code, body = svc.do(t, "POST", "/api/pipes/copy/pump", "application/x-www-form-urlencoded", "operation=start&wait=true")
	var sum summary
	if code != 200 || json.Unmarshal([]byte(body), &sum) != nil || sum.Status != "completed" || sum.Written != 2 {
		t.Fatalf("start copy: %d %s", code, body)
	}
	code, body = svc.do(t, "GET", "/api/datasets/copy/entities", "", "")
	var got []map[string]any
	if code != 200 || json.Unmarshal([]byte(body), &got) != nil || len(got) != 2 || got[0]["_id"] != "a" || got[1]["seen"] != true {
		t.Fatalf("copy entities: %d %s", code, body)
	}
	if code, body := svc.do(t, "GET", "/api/datasets/inbox/entities", "", ""); code != 200 || strings.Contains(body, `"c"`) {
		t.Fatalf("the refused request wrote something: %d %s", code, body)
	}
	if code, body := svc.do(t, "GET", "/metrics", "", ""); code != 200 || !strings.Contains(body, `sluice_receiver_entities_total{pipe="inbox"} 2`) {
		t.Fatalf("metrics: %d %s", code, body)
	}
	svc.stop(t)

	if es := entities(t, data, "copy"); len(es) != 2 || es[1]["seen"] != true {
		t.Fatalf("after stopping, dataset copy holds %v", es)
	}
}

// TestServiceRefusals: no token beyond loopback, and a bad config, both stop
// `sluice run` before it takes the data folder.
func TestServiceRefusals(t *testing.T) {
	cfg, data := t.TempDir(), filepath.Join(t.TempDir(), "data")
	testkit.WriteFile(t, filepath.Join(cfg, "pipes.json"), servicePipes)
	r := sluice(t, "run", "--config", cfg, "--data", data, "--addr", "0.0.0.0:0")
	if r.code == 0 || !strings.Contains(r.stderr, "needs an API token") {
		t.Fatalf("beyond loopback without a token: %v", r)
	}
	testkit.WriteFile(t, filepath.Join(cfg, "pipes.json"), `[{"_id": "x", "type": "pipe", "source": {"type": "nope"}}]`)
	r = sluice(t, "run", "--config", cfg, "--data", data, "--addr", "127.0.0.1:0")
	if r.code != 1 || !strings.Contains(r.stderr, "pipes.json:1:") || !strings.Contains(r.stderr, "/0/source/type") {
		t.Fatalf("bad config: %v", r)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Fatalf("a refused start created the data folder: %v", err)
	}
}

// TestServiceSIGTERMDuringRun stops the real binary with SIGTERM while a
// pipe pushes entities one by one to a slow API, starts it again, and finds
// that the run went on where it stopped: every entity arrived, and at most
// the one request in flight at the signal was sent twice.
func TestServiceSIGTERMDuringRun(t *testing.T) {
	api := testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		time.Sleep(20 * time.Millisecond)
		w.WriteHeader(http.StatusNoContent)
	})
	sent := api.Count

	const n = 100
	var ents []string
	for i := range n {
		ents = append(ents, fmt.Sprintf(`{"_id": "e%d", "_updated": %d}`, i, i))
	}
	cfg, data := t.TempDir(), filepath.Join(t.TempDir(), "data")
	files := map[string]string{
		"api.json": `{"_id": "api", "type": "system:rest", "url_pattern": "` + api.URL + `/%s",
		  "operations": {"put": {"url": "e/{{ _id }}", "method": "PUT"}}}`,
		"push.json": `{"_id": "push", "type": "pipe", "pump": {"mode": "manual", "run_at_startup": true},
		  "source": {"type": "embedded", "supports_since": true, "is_chronological": true, "entities": [` + strings.Join(ents, ",") + `]},
		  "sink": {"type": "rest", "system": "api", "operation": "put"}}`,
	}
	for name, body := range files {
		testkit.WriteFile(t, filepath.Join(cfg, name), body)
	}

	svc := startService(t, "--config", cfg, "--data", data)
	deadline := time.Now().Add(30 * time.Second)
	for sent() < 10 {
		if time.Now().After(deadline) {
			t.Fatalf("the run did not start\n%s", svc.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
	svc.stop(t)
	atSignal := sent()
	if atSignal >= n {
		t.Fatalf("the run finished before SIGTERM (%d requests); nothing was tested", atSignal)
	}

	// run_at_startup: the second service goes on from the committed offset.
	svc = startService(t, "--config", cfg, "--data", data)
	for sent() < n {
		if time.Now().After(deadline) {
			t.Fatalf("after the restart only %d of %d entities arrived\n%s", sent(), n, svc.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // anything sent beyond n would show now
	svc.stop(t)
	got := map[string]int{}
	for _, r := range api.Requests() {
		got[r.Path]++
	}
	twice := 0
	for i := range n {
		switch c := got[fmt.Sprintf("/e/e%d", i)]; {
		case c == 0:
			t.Errorf("e%d never arrived", i)
		case c == 2:
			twice++
		case c > 2:
			t.Errorf("e%d arrived %d times", i, c)
		}
	}
	if twice > 1 || len(got) != n {
		t.Errorf("%d entities sent twice (at most the one in flight may be), %d distinct paths; stopped after %d", twice, len(got), atSignal)
	}
}
