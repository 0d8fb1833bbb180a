package service

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/builtin"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/pipes"
)

// startService writes config files into a folder, starts a service over a
// real store and returns it with a test server for its API.
func startService(t *testing.T, token string, files map[string]string) (*Service, *httptest.Server, string) {
	t.Helper()
	dir := testkit.ConfigDir(t, files)
	st := testkit.OpenStore(t) // closed after the cleanup below
	reg := builtin.Registry()
	load := func() (*pipes.Config, error) { return pipes.Load(dir, pipes.Options{Types: reg}) }
	svc, err := New(Options{Load: load, Store: st, Registry: reg, Token: token, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc.Handler())
	t.Cleanup(func() {
		srv.Close()
		svc.Stop()
	})
	return svc, srv, dir
}

func call(t *testing.T, method, url, body string, header ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if strings.HasPrefix(body, "{") {
			req.Header.Set("Content-Type", "application/json")
		}
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

const manualPipes = `[
 {"_id": "src", "type": "pipe", "pump": {"mode": "manual"},
  "source": {"type": "embedded", "entities": [{"_id": "a", "n": 1}, {"_id": "b", "n": 2}]}},
 {"_id": "copy", "type": "pipe", "pump": {"mode": "manual"},
  "source": {"type": "dataset", "dataset": "src"}}
]`

func TestAPI(t *testing.T) {
	svc, srv, _ := startService(t, "", map[string]string{"p.json": manualPipes})
	u := srv.URL
	svc.Observe("src", "ok", 0, time.Millisecond)
	svc.Observe("made-up", "not_found", 0, time.Millisecond)

	if code, body := call(t, "GET", u+"/api/health", ""); code != 200 || !strings.Contains(body, `"ok"`) {
		t.Fatalf("health: %d %s", code, body)
	}
	code, body := call(t, "POST", u+"/api/pipes/src/pump", "operation=start&wait=true")
	var sum engine.Summary
	if code != 200 || json.Unmarshal([]byte(body), &sum) != nil || sum.Status != "completed" || sum.Written != 2 {
		t.Fatalf("start wait: %d %s", code, body)
	}
	// JSON bodies work as well as forms.
	if code, body := call(t, "POST", u+"/api/pipes/copy/pump", `{"operation": "start", "wait": true}`); code != 200 || !strings.Contains(body, `"written":2`) {
		t.Fatalf("start copy: %d %s", code, body)
	}
	if code, body := call(t, "GET", u+"/api/pipes/copy", ""); code != 200 || !strings.Contains(body, `"offset":1`) || !strings.Contains(body, `"sink_entities":2`) {
		t.Fatalf("pipe: %d %s", code, body)
	}
	if code, body := call(t, "GET", u+"/api/datasets/copy/entities?since=0", ""); code != 200 || !strings.Contains(body, `"_id":"b"`) || strings.Contains(body, `"_id":"a"`) {
		t.Fatalf("entities since 0: %d %s", code, body)
	}
	if code, body := call(t, "GET", u+"/api/datasets/copy/entity?entity_id=a", ""); code != 200 || !strings.Contains(body, `"n":1`) {
		t.Fatalf("entity: %d %s", code, body)
	}
	// Run events are a dataset of their own.
	if code, body := call(t, "GET", u+"/api/datasets/system:pump_execution:src/entities", ""); code != 200 || !strings.Contains(body, "pump-started") || !strings.Contains(body, "pump-completed") {
		t.Fatalf("pump execution: %d %s", code, body)
	}
	// Pump control: reset the offset, disable, enable.
	if code, body := call(t, "POST", u+"/api/pipes/copy/pump", "operation=update-last-seen&last-seen="); code != 200 || !strings.Contains(body, `"offset":null`) {
		t.Fatalf("reset: %d %s", code, body)
	}
	if code, body := call(t, "POST", u+"/api/pipes/copy/pump", "operation=set-last-seen-to-end"); code != 200 || !strings.Contains(body, `"offset":1`) {
		t.Fatalf("to end: %d %s", code, body)
	}
	if code, _ := call(t, "POST", u+"/api/pipes/copy/pump", "operation=disable"); code != 200 {
		t.Fatal("disable")
	}
	if code, body := call(t, "POST", u+"/api/pipes/copy/pump", "operation=start&wait=true"); code != 409 || !strings.Contains(body, "disabled") {
		t.Fatalf("start disabled: %d %s", code, body)
	}
	call(t, "POST", u+"/api/pipes/copy/pump", "operation=enable")
	for _, tc := range []struct {
		method, path, body string
		code               int
		want               string
	}{
		{"GET", "/api/pipes/nope", "", 404, `"status":404`},
		{"POST", "/api/pipes/src/pump", "operation=fly", 400, "unknown operation"},
		{"POST", "/api/pipes/src/pump", "", 400, "missing"},
		{"GET", "/api/datasets/nope/entities", "", 404, "no dataset"},
		{"GET", "/api/datasets/src/entities?since=x", "", 400, "since"},
		{"GET", "/api/datasets/src/entity", "", 400, "entity_id"},
		{"GET", "/api/datasets/src/entity?entity_id=zz", "", 404, "no entity"},
		{"GET", "/api/nothing", "", 404, "no route"},
	} {
		if code, body := call(t, tc.method, u+tc.path, tc.body); code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("%s %s: %d %s; want %d with %q", tc.method, tc.path, code, body, tc.code, tc.want)
		}
	}
	if code, body := call(t, "GET", u+"/metrics", ""); code != 200 || !strings.Contains(body, `sluice_pipe_runs_total{pipe="src",status="completed"} 1`) || !strings.Contains(body, `sluice_dataset_entities{dataset="copy"} 2`) {
		t.Fatalf("metrics: %d %s", code, body)
	} else if !strings.Contains(body, `sluice_receiver_requests_total{outcome="ok",pipe="src"} 1`) ||
		!strings.Contains(body, `sluice_receiver_requests_total{outcome="not_found",pipe="(unknown)"} 1`) || strings.Contains(body, "made-up") {
		t.Fatalf("receiver metrics must label requests to unknown pipes (unknown): %s", body)
	}
}

func TestToken(t *testing.T) {
	_, srv, _ := startService(t, "s3cret", map[string]string{"p.json": manualPipes})
	if code, _ := call(t, "GET", srv.URL+"/api/pipes", ""); code != 401 {
		t.Fatalf("no token: %d", code)
	}
	if code, _ := call(t, "GET", srv.URL+"/api/pipes", "", "Authorization", "Bearer wrong"); code != 401 {
		t.Fatalf("bad token: %d", code)
	}
	if code, _ := call(t, "GET", srv.URL+"/api/pipes", "", "Authorization", "Bearer s3cret"); code != 200 {
		t.Fatalf("good token: %d", code)
	}
	if code, _ := call(t, "GET", srv.URL+"/api/health", ""); code != 200 {
		t.Fatalf("health needs no token: %d", code)
	}
	if !IsLoopback("127.0.0.1:9042") || IsLoopback("0.0.0.0:9042") || !IsLoopback("[::1]:1") || IsLoopback("example.org:80") {
		t.Fatal("IsLoopback")
	}
}

// TestScheduleAndUpstream: a scheduled pipe runs by itself, and the pipe
// reading its dataset runs soon after, without a schedule of its own.
func TestScheduleAndUpstream(t *testing.T) {
	svc, _, _ := startService(t, "", map[string]string{"p.json": `[
	 {"_id": "src", "type": "pipe", "pump": {"schedule_interval": 0.2},
	  "source": {"type": "embedded", "entities": [{"_id": "a"}]}},
	 {"_id": "copy", "type": "pipe", "pump": {"schedule_interval": 3600},
	  "source": {"type": "dataset", "dataset": "src"}}]`})
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if info, ok := svc.Engine().Store().Dataset("copy"); ok && info.Entities == 1 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the scheduled pipe and its downstream pipe did not run within 5 s")
}

func TestRunAtStartupIfNotPopulated(t *testing.T) {
	svc, _, _ := startService(t, "", map[string]string{"p.json": `
	 {"_id": "reg", "type": "pipe", "pump": {"mode": "manual", "run_at_startup_if_not_populated": true},
	  "sink": {"deletion_tracking": false, "set_initial_offset": "onload"},
	  "source": {"type": "embedded", "entities": [{"_id": "a"}]}}`})
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if info, ok := svc.Engine().Store().Dataset("reg"); ok && info.Entities == 1 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("an onload pipe with an empty dataset did not run at startup")
}

func TestReload(t *testing.T) {
	svc, srv, dir := startService(t, "", map[string]string{"p.json": manualPipes})
	// A broken config is refused and the running one stays.
	os.WriteFile(filepath.Join(dir, "bad.json"), []byte(`{"_id": "x", "type": "pipe", "source": {"type": "nope"}}`), 0o644)
	if code, body := call(t, "POST", srv.URL+"/api/config/reload", ""); code != 422 || !strings.Contains(body, "nope") {
		t.Fatalf("bad reload: %d %s", code, body)
	}
	if _, err := svc.Engine().Pipe("src"); err != nil {
		t.Fatal("the running config was dropped")
	}
	// A good one replaces it.
	os.Remove(filepath.Join(dir, "bad.json"))
	os.WriteFile(filepath.Join(dir, "more.json"), []byte(`{"_id": "extra", "type": "pipe", "pump": {"mode": "manual"}, "source": {"type": "embedded", "entities": []}}`), 0o644)
	if code, body := call(t, "POST", srv.URL+"/api/config/reload", ""); code != 200 || !strings.Contains(body, `"pipes":3`) {
		t.Fatalf("reload: %d %s", code, body)
	}
	if _, err := svc.Engine().Pipe("extra"); err != nil {
		t.Fatal("the new pipe is missing after reload")
	}
}

// TestStopDuringRun: stopping the service while a run is under way loses
// nothing that was committed and leaves a consistent offset.
func TestStopDuringRun(t *testing.T) {
	slow := testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		time.Sleep(30 * time.Millisecond)
		w.WriteHeader(204)
	})
	var ents []string
	for i := 0; i < 200; i++ {
		ents = append(ents, `{"_id": "e`+itoa(i)+`"}`)
	}
	svc, _, _ := startService(t, "", map[string]string{
		"s.json": `{"_id": "api", "type": "system:rest", "url_pattern": "` + slow.URL + `/%s", "operations": {"put": {"url": "x/{{ _id }}", "method": "PUT"}}}`,
		"p.json": `{"_id": "push", "type": "pipe", "pump": {"mode": "manual", "run_at_startup": true},
		  "source": {"type": "embedded", "supports_since": true, "is_chronological": true, "entities": [` + strings.Join(withUpdated(ents), ",") + `]},
		  "sink": {"type": "rest", "system": "api", "operation": "put"}}`,
	})
	time.Sleep(300 * time.Millisecond)
	if err := svc.Stop(); err != nil {
		t.Fatal(err)
	}
	st, err := svc.Engine().PipeState("push")
	if err != nil {
		t.Fatal(err)
	}
	// Batches are one entity: the offset names the last entity sent and
	// committed, and at most the request in flight was sent beyond it.
	sent := slow.Count()
	off := -1
	if st.LastSeen != "" {
		off = atoi(st.LastSeen)
	}
	if sent == 0 || sent >= 200 || off+1 > sent || sent > off+2 {
		t.Fatalf("sent %d requests, offset %q", sent, st.LastSeen)
	}
}

func withUpdated(ents []string) []string {
	out := make([]string, len(ents))
	for i, e := range ents {
		out[i] = strings.TrimSuffix(e, "}") + `, "_updated": ` + itoa(i) + `}`
	}
	return out
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

func atoi(s string) int {
	var n int
	json.Unmarshal([]byte(s), &n)
	return n
}
