package service

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/internal/testkit"
)

// TestReloadAnswersEveryProblem: a refused reload lists every problem of
// the new config with its place, hides secrets, and keeps the running
// config.
func TestReloadAnswersEveryProblem(t *testing.T) {
	t.Setenv("SLUICE_SECRET_kind", "hush-hush-kind")
	svc, srv, dir := startService(t, "", map[string]string{"p.json": manualPipes})
	bad := map[string]string{
		"bad.json": `{"_id": "x", "type": "pipe",
  "source": {"type": "nope"}}`,
		"worse.json": `[{"_id": "y", "type": "pipe", "source": {"type": "embedded", "entities": []}, "pump": {"mode": "sometimes"}},
 {"_id": "z", "type": "pipe", "source": {"type": "$SECRET(kind)"}}]`,
	}
	for name, body := range bad {
		testkit.WriteFile(t, filepath.Join(dir, name), body)
	}
	code, body := call(t, "POST", srv.URL+"/api/config/reload", "")
	var got struct {
		Error    string `json:"error"`
		Status   int    `json:"status"`
		Problems []struct {
			File    string `json:"file"`
			Line    int    `json:"line"`
			Column  int    `json:"column"`
			Pointer string `json:"pointer"`
			Message string `json:"message"`
			Text    string `json:"text"`
		} `json:"problems"`
	}
	if code != 422 || json.Unmarshal([]byte(body), &got) != nil {
		t.Fatalf("bad reload: %d %s", code, body)
	}
	if got.Status != 422 || got.Error != "the new config has 3 problems; the running config is kept" || len(got.Problems) != 3 {
		t.Fatalf("bad reload body: %s", body)
	}
	if strings.Contains(body, "hush-hush-kind") {
		t.Errorf("the answer shows a secret: %s", body)
	}
	want := []struct {
		file         string
		line, column int
		pointer, msg string
	}{
		{"bad.json", 2, 22, "/source/type", `unknown source type "nope"`},
		{"worse.json", 1, 96, "/0/pump/mode", `mode must be "scheduled", "manual" or "off", not "sometimes"`},
		{"worse.json", 2, 50, "/1/source/type", `unknown source type "***"`},
	}
	for i, w := range want {
		p := got.Problems[i]
		file := filepath.ToSlash(filepath.Join(dir, w.file))
		if p.File != file || p.Line != w.line || p.Column != w.column || p.Pointer != w.pointer || !strings.HasPrefix(p.Message, w.msg) {
			t.Errorf("problem %d: %+v; want %s:%d:%d %s %q", i, p, file, w.line, w.column, w.pointer, w.msg)
		}
		if text := file + ":" + itoa(w.line) + ":" + itoa(w.column) + ": " + w.pointer + ": " + p.Message; p.Text != text {
			t.Errorf("problem %d: text %q; want %q", i, p.Text, text)
		}
	}
	// The running config is kept: its pipes are there and still run.
	if cfg := svc.Engine().Config(); len(cfg.Pipes) != 2 || cfg.Pipe("x") != nil {
		t.Fatalf("the running config changed: %d pipes", len(cfg.Pipes))
	}
	if code, body := call(t, "POST", srv.URL+"/api/pipes/src/pump", "operation=start&wait=true"); code != 200 || !strings.Contains(body, `"written":2`) {
		t.Fatalf("the running config no longer runs: %d %s", code, body)
	}
}

// TestReloadOtherFailure: a failure that is not the config's problems keeps
// the plain error body.
func TestReloadOtherFailure(t *testing.T) {
	_, srv, dir := startService(t, "", map[string]string{"p.json": manualPipes})
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	code, body := call(t, "POST", srv.URL+"/api/config/reload", "")
	if code != 422 || !strings.Contains(body, `"error":"config folder: `) || strings.Contains(body, "problems") {
		t.Fatalf("reload of a missing folder: %d %s", code, body)
	}
}
