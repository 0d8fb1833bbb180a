package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/store"
)

const lockedMsg = "is in use by another sluice process"

// assertLocked checks that a command failed with exactly one line, the
// locked-folder message.
func assertLocked(t *testing.T, r result) {
	t.Helper()
	if r.code == 0 || strings.Count(r.stderr, "\n") != 1 || !strings.HasSuffix(r.stderr, "\n") || !strings.Contains(r.stderr, lockedMsg) {
		t.Errorf("want one line with %q, got %v", lockedMsg, r)
	}
}

func TestLockedDataFolder(t *testing.T) {
	cfg, data := t.TempDir(), filepath.Join(t.TempDir(), "data")
	writePipes(t, cfg, people(2))
	pump(t, cfg, data, "people")
	input := filepath.Join(t.TempDir(), "in.ndjson")
	testkit.WriteFile(t, input, ndjson(3, "x"))

	st := testkit.OpenStoreAt(t, data)
	for _, args := range [][]string{
		{"dataset", "list", "--data", data},
		{"dataset", "entities", "people", "--data", data},
		{"dataset", "import", "people", input, "--data", data},
		{"pump", "people", "--config", cfg, "--data", data},
	} {
		r := sluice(t, args...)
		assertLocked(t, r)
		if r.stdout != "" {
			t.Errorf("%v printed on stdout: %q", args, r.stdout)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	// Released, the folder is usable again and nothing changed.
	if info := datasets(t, data)["people"]; info.Versions != 2 {
		t.Errorf("people after the refused commands: %+v", info)
	}
}

// TestCrashMidRun kills `sluice pump` mid-run and checks that each batch
// committed together with the pipe's offset, then that a rerun finishes the
// copy without losing or doubling anything. The last case stops the pump
// with SIGTERM instead, which must end the run as failed, with a summary.
func TestCrashMidRun(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	const n = 300_000
	tmp := t.TempDir()
	var buf bytes.Buffer
	for i := range n {
		fmt.Fprintf(&buf, "{\"_id\":\"e%06d\",\"n\":%d}\n", i, i)
	}
	template := filepath.Join(tmp, "template")
	r := sluiceWith(t, runOpts{stdin: &buf}, "dataset", "import", "src", "--data", template)
	if s := parseImport(t, r); s.Written != n {
		t.Fatalf("import: %+v", s)
	}
	cfg := filepath.Join(tmp, "config")
	writeJSON(t, filepath.Join(cfg, "copy.json"), obj{
		"_id": "copy", "type": "pipe", "batch_size": 1000,
		"source": obj{"type": "dataset", "dataset": "src"},
		"sink":   obj{"type": "dataset", "dataset": "dst"},
	})
	for i, c := range []struct {
		base time.Duration
		sig  syscall.Signal
	}{{300, syscall.SIGKILL}, {550, syscall.SIGKILL}, {800, syscall.SIGKILL}, {450, syscall.SIGTERM}} {
		delay := (c.base + time.Duration(rand.IntN(100))) * time.Millisecond
		t.Run(fmt.Sprintf("%d-%s", i+1, c.sig), func(t *testing.T) { crashOnce(t, template, cfg, n, delay, c.sig) })
	}
}

func crashOnce(t *testing.T, template, cfg string, n int, delay time.Duration, sig syscall.Signal) {
	for attempt := 1; ; attempt++ {
		if attempt > 8 {
			t.Fatal("could not stop the pump mid-run in 8 attempts")
		}
		data := filepath.Join(t.TempDir(), "data")
		copyDir(t, template, data)
		stopped, stdout := stopPump(t, cfg, data, delay, sig)
		lastSeen := checkCommitted(t, data, n)
		switch {
		case !stopped || lastSeen == n-1:
			t.Logf("attempt %d: the run finished within %v; trying sooner", attempt, delay)
			delay = delay * 2 / 3
			continue
		case lastSeen < 0:
			t.Logf("attempt %d: no batch committed within %v; trying later", attempt, delay)
			delay += 300 * time.Millisecond
			continue
		}
		t.Logf("stopped after %v with %d of %d versions copied", delay, lastSeen+1, n)
		if sig == syscall.SIGTERM {
			s := parseSummary(t, result{stdout: stdout})
			if s.Status != "failed" || !strings.Contains(s.Error, "context canceled") || string(s.Offset) != strconv.Itoa(lastSeen) {
				t.Errorf("summary of the interrupted run: %+v", s)
			}
			s.counts(t, lastSeen+1, lastSeen+1, 0)
		}

		s := pump(t, cfg, data, "copy")
		s.counts(t, n-(lastSeen+1), n-(lastSeen+1), 0)
		if !s.Full || string(s.Offset) != strconv.Itoa(n-1) {
			t.Errorf("resumed run: want a full run ending at offset %d, got %+v", n-1, s)
		}
		if got := checkCommitted(t, data, n); got != n-1 {
			t.Errorf("after the rerun the pipe's offset is %d", got)
		}
		info := datasets(t, data)["dst"]
		if info.Versions != uint64(n) || info.Entities != int64(n) || info.Deleted != 0 {
			t.Errorf("dst after the rerun: %+v", info)
		}
		pump(t, cfg, data, "copy").counts(t, 0, 0, 0)
		return
	}
}

// stopPump starts `sluice pump copy`, and after delay, if it is still
// running, checks that the folder is locked and sends it sig. It reports
// whether the signal ended the run, and what the pump printed.
func stopPump(t *testing.T, cfg, data string, delay time.Duration, sig syscall.Signal) (bool, string) {
	t.Helper()
	cmd := exec.Command(testkit.Sluice(t), "pump", "copy", "--config", cfg, "--data", data)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	finished := func(err error) (bool, string) {
		if err != nil {
			t.Fatalf("pump failed on its own: %v\n%s", err, stderr.String())
		}
		return false, stdout.String()
	}
	select {
	case err := <-done:
		return finished(err)
	case <-time.After(delay):
	}
	// While the pump runs, nobody else can open the folder.
	if r := sluice(t, "dataset", "list", "--data", data); r.code == 0 {
		select { // the pump must have just finished
		case err := <-done:
			return finished(err)
		case <-time.After(5 * time.Second):
			t.Fatalf("dataset list opened the folder of a running pump: %v", r)
		}
	} else {
		assertLocked(t, r)
	}
	if err := cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatal(err)
	}
	err := <-done
	if err == nil { // it finished just before the signal
		return false, stdout.String()
	}
	var ee *exec.ExitError
	switch {
	case !errors.As(err, &ee):
		t.Fatal(err)
	case sig == syscall.SIGTERM && (ee.ExitCode() != 1 || !strings.HasPrefix(stderr.String(), "sluice: pipe \"copy\": context canceled")):
		t.Errorf("after SIGTERM: %v\nstderr: %s", err, stderr.String())
	}
	return true, stdout.String()
}

// checkCommitted opens the data folder and checks that dst holds exactly
// the source versions up to the pipe's committed offset, each once, in
// order. It returns that offset (-1 when none).
func checkCommitted(t *testing.T, data string, n int) int {
	t.Helper()
	st := testkit.OpenStoreAt(t, data)
	defer st.Close()
	ps, err := st.PipeState("copy")
	if err != nil {
		t.Fatal(err)
	}
	last := -1
	if ps.LastSeen != "" {
		if last, err = strconv.Atoi(ps.LastSeen); err != nil || last < 0 || last >= n {
			t.Fatalf("pipe state: bad last_seen %q", ps.LastSeen)
		}
	}
	if mid := last >= 0 && last < n-1; mid && ps.FullRun == 0 {
		t.Errorf("killed mid-run but the pipe state has no full run under way: %+v", ps)
	}
	info, _ := st.Dataset("dst")
	if info.Versions != uint64(last+1) || info.Entities != int64(last+1) || info.Deleted != 0 {
		t.Fatalf("pipe offset %d, but dst has %+v: want exactly %d versions", last, info, last+1)
	}
	if last < 0 {
		return last
	}
	// The source's ids in offset order, to compare dst with.
	srcIDs := make([]string, 0, last+1)
	err = st.Scan("src", store.ReadOptions{Limit: last + 1}, func(_ uint64, e []byte) error {
		id, ok := bytes.CutPrefix(e, []byte(`{"_id":"`))
		if i := bytes.IndexByte(id, '"'); ok && i > 0 {
			srcIDs = append(srcIDs, string(id[:i]))
		}
		return nil
	})
	if err != nil || len(srcIDs) != last+1 {
		t.Fatalf("src: read %d ids, want %d (%v)", len(srcIDs), last+1, err)
	}
	next := 0
	err = st.Scan("dst", store.ReadOptions{History: true}, func(offset uint64, e []byte) error {
		want := fmt.Sprintf(`{"_id":"e%06d","n":%d,`, next, next)
		if offset != uint64(next) || !bytes.HasPrefix(e, []byte(want)) {
			return fmt.Errorf("dst version %d is %s, want %s…", offset, e, want)
		}
		if id := want[8:15]; next >= len(srcIDs) || srcIDs[next] != id {
			return fmt.Errorf("dst version %d: _id %q is not src's version %d", offset, id, next)
		}
		next++
		return nil
	})
	if err != nil || next != last+1 {
		t.Fatalf("dst scan found %d versions, want %d (%v)", next, last+1, err)
	}
	return last
}

// copyDir copies the files of a flat folder (a closed Badger data folder).
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			t.Fatalf("unexpected folder %s in %s", e.Name(), from)
		}
		if err := copyFile(filepath.Join(from, e.Name()), filepath.Join(to, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
