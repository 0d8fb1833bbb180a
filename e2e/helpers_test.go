// Package e2e drives the sluice binary end to end: it builds cmd/sluice once
// (testkit.Main) and runs it as a subprocess against config and data folders
// written to t.TempDir().
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/store"
)

// repoRoot is the folder holding go.mod.
var repoRoot string

// TestMain builds the binary (testkit.Sluice) before the tests.
func TestMain(m *testing.M) {
	root, err := testkit.ModuleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	repoRoot = root
	os.Exit(testkit.Main(m))
}

// result is what one run of the binary produced.
type result struct {
	args           []string
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("sluice %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// runOpts tune one run of the binary.
type runOpts struct {
	stdin io.Reader
	env   []string // added to the environment
}

// sluiceWith runs the binary in a fresh working folder (so a forgotten
// --data never writes into the repository) and returns what it printed.
func sluiceWith(t *testing.T, o runOpts, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, testkit.Sluice(t), args...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), o.env...)
	cmd.Stdin = o.stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{args: args, stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.Exited():
		r.code = ee.ExitCode()
	default:
		t.Fatalf("sluice %s: %v", strings.Join(args, " "), err)
	}
	return r
}

func sluice(t *testing.T, args ...string) result {
	t.Helper()
	return sluiceWith(t, runOpts{}, args...)
}

// mustSluice runs the binary and fails the test unless it exits 0.
func mustSluice(t *testing.T, args ...string) result {
	t.Helper()
	r := sluice(t, args...)
	if r.code != 0 {
		t.Fatalf("want exit 0, got %v", r)
	}
	return r
}

// summary is the JSON line `sluice pump` prints.
type summary struct {
	Pipe    string          `json:"pipe"`
	Status  string          `json:"status"`
	Full    bool            `json:"full"`
	Read    int             `json:"read"`
	Written int             `json:"written"`
	Deleted int             `json:"deleted"`
	Offset  json.RawMessage `json:"offset"`
	// StartOffset is where an incremental run started.
	StartOffset json.RawMessage `json:"start_offset"`
	DurationMS  *int64          `json:"duration_ms"`
	Started     time.Time       `json:"started"`
	Error       string          `json:"error"`
}

// String shows a summary as the JSON it came from, for failure messages.
func (s summary) String() string {
	b, _ := json.Marshal(s)
	return string(b)
}

func parseSummary(t *testing.T, r result) summary {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != 1 {
		t.Fatalf("want one summary line, got %v", r)
	}
	var s summary
	dec := json.NewDecoder(strings.NewReader(lines[0]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		t.Fatalf("summary: %v in %v", err, r)
	}
	if s.DurationMS == nil || s.Started.IsZero() || s.Offset == nil {
		t.Fatalf("summary lacks duration_ms, started or offset: %v", r)
	}
	return s
}

// pump runs a pipe that must complete and returns its summary.
func pump(t *testing.T, cfg, data, pipe string, extra ...string) summary {
	t.Helper()
	r := mustSluice(t, append([]string{"pump", pipe, "--config", cfg, "--data", data}, extra...)...)
	s := parseSummary(t, r)
	if s.Pipe != pipe || s.Status != "completed" || s.Error != "" {
		t.Fatalf("want a completed run of %q, got %v", pipe, r)
	}
	return s
}

// counts checks a summary's read, written and deleted.
func (s summary) counts(t *testing.T, read, written, deleted int) {
	t.Helper()
	if s.Read != read || s.Written != written || s.Deleted != deleted {
		t.Fatalf("%s: want read %d written %d deleted %d, got %+v", s.Pipe, read, written, deleted, s)
	}
}

// ent is one stored entity as `dataset entities` prints it.
type ent map[string]any

func (e ent) id() string { s, _ := e["_id"].(string); return s }

// num reads a numeric property; -1 means null or absent.
func (e ent) num(key string) int64 {
	n, ok := e[key].(json.Number)
	if !ok {
		return -1
	}
	i, err := n.Int64()
	if err != nil {
		return -1
	}
	return i
}

func (e ent) deleted() bool { return e["_deleted"] == true }

// parseNDJSON reads one JSON object per line.
func parseNDJSON(t *testing.T, s string) []ent {
	t.Helper()
	var out []ent
	for i, line := range strings.Split(s, "\n") {
		if line == "" {
			continue
		}
		dec := json.NewDecoder(strings.NewReader(line))
		dec.UseNumber()
		var e ent
		if err := dec.Decode(&e); err != nil {
			t.Fatalf("NDJSON line %d: %v: %q", i+1, err, line)
		}
		out = append(out, e)
	}
	return out
}

// entities runs `dataset entities` and parses its output.
func entities(t *testing.T, data, dataset string, extra ...string) []ent {
	t.Helper()
	r := mustSluice(t, append([]string{"dataset", "entities", dataset, "--data", data}, extra...)...)
	return parseNDJSON(t, r.stdout)
}

// byID indexes entities by _id, failing on duplicates.
func byID(t *testing.T, es []ent) map[string]ent {
	t.Helper()
	m := map[string]ent{}
	for _, e := range es {
		if _, dup := m[e.id()]; dup {
			t.Fatalf("_id %q appears twice", e.id())
		}
		m[e.id()] = e
	}
	return m
}

// datasets runs `dataset list --json`.
func datasets(t *testing.T, data string) map[string]store.Info {
	t.Helper()
	r := mustSluice(t, "dataset", "list", "--json", "--data", data)
	out := map[string]store.Info{}
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	for dec.More() {
		var i store.Info
		if err := dec.Decode(&i); err != nil {
			t.Fatalf("dataset list: %v\n%s", err, r.stdout)
		}
		out[i.Name] = i
	}
	return out
}

// writeJSON writes v as indented JSON.
func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	testkit.WriteFile(t, path, string(b)+"\n")
}

type obj = map[string]any
