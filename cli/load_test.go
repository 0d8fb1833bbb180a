package cli

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/pipes"
)

const badPipes = `[{"_id": "x", "type": "pipe", "source": {"type": "nope"}},
 {"_id": "y", "type": "pipe", "source": {"type": "$SECRET(kind)"}}]`

// TestLoadConfigProblems: the loader the service reloads with hands back
// every problem as pipes.Errors, secrets redacted, and prints nothing; the
// commands' loader prints them and exits 1 without printing them twice.
func TestLoadConfigProblems(t *testing.T) {
	t.Setenv("SLUICE_SECRET_kind", "hush-hush-kind")
	dir := configDir(t, map[string]string{"p.json": badPipes})
	cfg, err := loadConfig(&configFlags{dir: dir})
	var problems pipes.Errors
	if cfg == nil || !errors.As(err, &problems) || len(problems) != 2 {
		t.Fatalf("loadConfig: %v, %v", cfg, err)
	}
	if !strings.Contains(problems[0].Error(), "p.json:1:50: /0/source/type: unknown source type \"nope\"") ||
		!strings.Contains(problems[1].Error(), "/1/source/type: unknown source type \"***\"") || strings.Contains(err.Error(), "hush-hush") {
		t.Fatalf("problems: %v", err)
	}

	code, out, errOut := sluiceIn(t, "", "validate", "--config", dir)
	if code != 1 || out != "" || strings.Count(errOut, "unknown source type") != 2 || strings.Contains(errOut, "hush-hush") ||
		!strings.HasSuffix(errOut, "2 problems in "+dir+"\n") || strings.Contains(errOut, "sluice: ") {
		t.Fatalf("validate: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestLogReload: a refused SIGHUP reload logs each problem with its place.
func TestLogReload(t *testing.T) {
	t.Setenv("SLUICE_SECRET_kind", "hush-hush-kind")
	dir := configDir(t, map[string]string{"p.json": badPipes})
	_, err := loadConfig(&configFlags{dir: dir})
	var buf bytes.Buffer
	logReload(slog.New(slog.NewTextHandler(&buf, nil)), err)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], `problem="`+dir+`/p.json:1:50: /0/source/type: unknown source type \"nope\"`) ||
		!strings.Contains(lines[1], "/1/source/type") || !strings.Contains(lines[2], "config reload refused; the running config stays\" problems=2") {
		t.Fatalf("log:\n%s", buf.String())
	}
	buf.Reset()
	logReload(slog.New(slog.NewTextHandler(&buf, nil)), errors.New("disk on fire"))
	if !strings.Contains(buf.String(), `error="disk on fire"`) {
		t.Fatalf("log: %s", buf.String())
	}
	buf.Reset()
	logReload(slog.New(slog.NewTextHandler(&buf, nil)), nil)
	if buf.Len() != 0 {
		t.Fatalf("a reload that worked logs here: %s", buf.String())
	}
}
