package e2e

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/internal/testkit"
)

// buildTorture builds cmd/sluice-torture, and gives it a copy of the sluice
// binary of its own, so that its children can be told from any other.
func buildTorture(t *testing.T) (torture, sluiceBin string) {
	t.Helper()
	torture = testkit.Binary(t, "./cmd/sluice-torture")
	sluiceBin = filepath.Join(filepath.Dir(torture), "sluice")
	if err := copyFile(testkit.Sluice(t), sluiceBin); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(sluiceBin, 0o755); err != nil {
		t.Fatal(err)
	}
	return torture, sluiceBin
}

// assertNothingLeft checks that the torture removed its temporary folders
// and that no process of the binary it ran is alive.
func assertNothingLeft(t *testing.T, tmp, sluiceBin string) {
	t.Helper()
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("temporary folders left behind in %s: %v", tmp, left)
	}
	if runtime.GOOS != "linux" {
		return
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		var alive []string
		procs, _ := filepath.Glob("/proc/[0-9]*/exe")
		for _, exe := range procs {
			if target, err := os.Readlink(exe); err == nil && strings.TrimSuffix(target, " (deleted)") == sluiceBin {
				alive = append(alive, filepath.Base(filepath.Dir(exe)))
			}
		}
		if len(alive) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("sluice processes still running: pids %v", alive)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// figure is one row of the torture's figures.
type figure struct{ trials, kills, entities, requests, violations int }

func parseFigures(t *testing.T, out string) map[string]figure {
	t.Helper()
	figs := map[string]figure{}
	in := false
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) > 0 && f[0] == "scenario":
			in = true
		case in && len(f) >= 7:
			var n [5]int
			for i := range n {
				v, err := strconv.Atoi(f[i+1])
				if err != nil {
					t.Fatalf("figures line %q: %v", line, err)
				}
				n[i] = v
			}
			figs[f[0]] = figure{n[0], n[1], n[2], n[3], n[4]}
		}
	}
	return figs
}

// TestTorture runs a short sluice-torture against the binary: three trials
// of each scenario (receivers under load, a long pump, a webhook sink
// against a flaky receiver), each killing the binary with SIGKILL. It must
// find no violation, report
// figures for every scenario, and leave neither temporary folders nor
// processes behind.
func TestTorture(t *testing.T) {
	if testing.Short() {
		t.Skip("torture skipped in -short mode")
	}
	torture, sluiceBin := buildTorture(t)
	tmp := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, torture, "--bin", sluiceBin, "--trials", "9", "--seed", "42", "--pump-entities", "20000", "--duration", "2m")
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	outb, err := cmd.CombinedOutput()
	out := string(outb)
	if err != nil || strings.Contains(out, "VIOLATION [") {
		t.Fatalf("sluice-torture: %v\n%s", err, out)
	}
	if !strings.Contains(out, "seed 42") || !strings.Contains(out, "no violations") {
		t.Errorf("the output lacks the seed or the verdict:\n%s", out)
	}
	figs := parseFigures(t, out)
	total, violations := 0, 0
	for _, name := range []string{"receivers", "pump", "webhook"} {
		f, ok := figs[name]
		switch {
		case !ok:
			t.Errorf("no figures for %s:\n%s", name, out)
		case f.trials != 3 || f.entities == 0 || f.requests == 0:
			t.Errorf("%s: %+v\n%s", name, f, out)
		}
		total += f.kills
		violations += f.violations
	}
	if violations != 0 {
		t.Errorf("the figures count %d violations", violations)
	}
	if f := figs["receivers"]; f.kills != f.trials {
		t.Errorf("every receivers trial kills the service: %+v", f)
	}
	if total < 5 {
		t.Errorf("only %d kills in 9 trials:\n%s", total, out)
	}
	assertNothingLeft(t, tmp, sluiceBin)
}

// TestTortureInterrupted stops sluice-torture with SIGINT mid-run: it ends
// at once, says so, exits 130, and kills and removes what it started.
func TestTortureInterrupted(t *testing.T) {
	if testing.Short() {
		t.Skip("torture skipped in -short mode")
	}
	torture, sluiceBin := buildTorture(t)
	tmp := t.TempDir()
	cmd := exec.Command(torture, "--bin", sluiceBin, "--trials", "30", "--seed", "7")
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var mu sync.Mutex
	var out strings.Builder
	started := make(chan struct{})
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(stdout)
		once := sync.Once{}
		for sc.Scan() {
			mu.Lock()
			out.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if strings.HasPrefix(sc.Text(), "receivers trial 1:") {
				once.Do(func() { close(started) })
			}
		}
	}()
	select {
	case <-started:
	case <-time.After(time.Minute):
		t.Fatal("no trial within a minute")
	}
	time.Sleep(300 * time.Millisecond) // into the second trial
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { <-read; done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("sluice-torture did not stop within 30 s of SIGINT")
	}
	mu.Lock()
	text := out.String()
	mu.Unlock()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 || !strings.Contains(text, "interrupted") || strings.Contains(text, "VIOLATION") {
		t.Errorf("after SIGINT: want exit 130 and \"interrupted\", got %v\n%s", err, text)
	}
	assertNothingLeft(t, tmp, sluiceBin)
}
