package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/internal/testkit"
)

// mountSmallDisk mounts a tmpfs of size bytes: a real disk that fills up.
// It needs root, or sudo without a password; elsewhere the test is
// skipped, saying why, unless SLUICE_CI=1 makes that a failure.
func mountSmallDisk(t *testing.T, size int64) string {
	t.Helper()
	dir := t.TempDir()
	var sudo []string
	if os.Geteuid() != 0 {
		sudo = []string{"sudo", "-n"}
	}
	run := func(args ...string) ([]byte, error) {
		args = append(sudo, args...)
		return exec.Command(args[0], args[1:]...).CombinedOutput()
	}
	out, err := run("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d,mode=1777", size), "tmpfs", dir)
	if err != nil {
		msg := fmt.Sprintf("mounting a tmpfs needs root: %v: %s", err, bytes.TrimSpace(out))
		if os.Getenv("SLUICE_CI") == "1" {
			t.Fatal(msg)
		}
		t.Skip("skipping the full-disk test: " + msg)
	}
	t.Cleanup(func() {
		if out, err := run("umount", dir); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// diskFullPipes: a receiver, and a manual pipe copying what it got.
const diskFullPipes = `[
  {"_id": "inbox", "type": "pipe", "source": {"type": "http_endpoint"}},
  {"_id": "copy", "type": "pipe", "pump": {"mode": "manual"}, "source": {"type": "dataset", "dataset": "inbox"}}
]`

// A full disk never kills sluice: eight clients push into a receiver on a
// 160 MB disk until it is full; the service refuses further writes with
// 507, fails a pump with a clear error, keeps every acknowledged entity,
// stops cleanly, starts again on the still-full disk by waiting for space,
// and takes writes again once space is freed. Without the free-space
// reserve, Badger's memory-mapped files kill the process with SIGBUS (and
// again on restart).
func TestFullDiskNeverKillsTheService(t *testing.T) {
	disk := mountSmallDisk(t, 160<<20)
	// Room to free later: a file taking what the reserve needs.
	filler := filepath.Join(disk, "filler")
	if err := os.WriteFile(filler, bytes.Repeat([]byte("f"), 64<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, data := t.TempDir(), filepath.Join(disk, "data")
	testkit.WriteFile(t, filepath.Join(cfg, "pipes.json"), diskFullPipes)
	args := []string{"--config", cfg, "--data", data, "--min-free", "48MiB"}
	svc := startService(t, args...)

	acked := pushUntilFull(t, svc.url)
	if acked == 0 {
		t.Fatalf("nothing was acknowledged before the disk filled up\n%s", svc.stderr)
	}
	if code, body := svc.do(t, "GET", "/api/health", "", ""); code != 200 {
		t.Fatalf("health on a full disk: %d %s", code, body)
	}
	code, body := svc.do(t, "POST", "/api/pipes/copy/pump", "application/x-www-form-urlencoded", "operation=start&wait=true")
	if code != 200 || !strings.Contains(body, `"failed"`) || !strings.Contains(body, "kept in reserve") {
		t.Errorf("a pump on a full disk: %d %s", code, body)
	}
	if n := datasetEntities(t, svc.url, "inbox"); n != acked {
		t.Errorf("inbox holds %d entities, %d were acknowledged", n, acked)
	}
	svc.stop(t)
	// Closing the store deleted its memtable logs: fill the disk again, to
	// all but 8 MB.
	fill := filepath.Join(disk, "filler2")
	if err := fillDisk(disk, fill, 8<<20); err != nil {
		t.Fatal(err)
	}

	// Start again on the still-full disk: it waits, it does not die.
	cmd, lines := startWaiting(t, args...)
	awaitLine(t, lines, "waiting for disk space", 20*time.Second)
	time.Sleep(time.Second)
	if err := cmd.Process.Signal(syscall.Signal(0)); err != nil {
		t.Fatalf("sluice run ended on a full disk: %v", err)
	}
	if err := errors.Join(os.Remove(filler), os.Remove(fill)); err != nil {
		t.Fatal(err)
	}
	url := "http://" + strings.Fields(strings.SplitN(awaitLine(t, lines, "serving on http://", 20*time.Second), "serving on http://", 2)[1])[0]
	if n := datasetEntities(t, url, "inbox"); n != acked {
		t.Errorf("after the restart inbox holds %d entities, %d were acknowledged", n, acked)
	}
	resp, err := http.Post(url+"/api/receivers/inbox/entities", "application/json", strings.NewReader(`{"_id": "after", "n": 1}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("a write once space was freed: %v %v", resp, err)
	}
	resp.Body.Close()
}

// pushUntilFull pushes batches of 1 KB entities from eight clients until
// every client has been refused with 507 a few times; any other refusal
// fails the test. It returns how many entities were acknowledged.
func pushUntilFull(t *testing.T, url string) int {
	t.Helper()
	var mu sync.Mutex
	acked, full := 0, 0
	pad := strings.Repeat("x", 1000)
	deadline := time.Now().Add(90 * time.Second)
	var wg sync.WaitGroup
	for c := 0; c < 8; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			refused := 0
			for seq := 0; refused < 3 && time.Now().Before(deadline); seq++ {
				var b bytes.Buffer
				b.WriteString("[")
				for i := 0; i < 200; i++ {
					if i > 0 {
						b.WriteString(",")
					}
					fmt.Fprintf(&b, `{"_id": "c%d-%d-%d", "pad": "%s"}`, c, seq, i, pad)
				}
				b.WriteString("]")
				resp, err := http.Post(url+"/api/receivers/inbox/entities", "application/json", &b)
				if err != nil {
					t.Errorf("client %d: %v", c, err)
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				mu.Lock()
				switch resp.StatusCode {
				case http.StatusOK:
					acked += 200
				case http.StatusInsufficientStorage:
					refused++
					full++
					if resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), "--min-free") {
						t.Errorf("507 without Retry-After or an explanation: %s", body)
					}
				default:
					t.Errorf("client %d: %d %s", c, resp.StatusCode, body)
					refused = 3
				}
				mu.Unlock()
			}
		}(c)
	}
	wg.Wait()
	if full == 0 {
		t.Fatal("the disk never filled up")
	}
	return acked
}

// fillDisk writes file until the disk holding dir has about leave bytes free.
func fillDisk(dir, file string, leave uint64) error {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return err
	}
	free := st.Bavail * uint64(st.Bsize)
	if free <= leave {
		return nil
	}
	return os.WriteFile(file, make([]byte, free-leave), 0o644)
}

// datasetEntities reads a dataset's entity count from the API.
func datasetEntities(t *testing.T, url, name string) int {
	t.Helper()
	resp, err := http.Get(url + "/api/datasets/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var info struct{ Entities int }
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
		t.Fatal(err)
	}
	return info.Entities
}

// startWaiting starts `sluice run` without waiting for it to serve, and
// gives its stderr line by line.
func startWaiting(t *testing.T, args ...string) (*exec.Cmd, <-chan string) {
	t.Helper()
	cmd, stderr, cancel := launchRun(t, args...)
	lines := make(chan string, 1000)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default: // nobody reads it any more
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
		}
		cancel()
		cmd.Wait()
	})
	return cmd, lines
}

// awaitLine reads lines until one holds want.
func awaitLine(t *testing.T, lines <-chan string, want string, timeout time.Duration) string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("sluice run ended before printing %q", want)
			}
			if strings.Contains(line, want) {
				return line
			}
		case <-deadline:
			t.Fatalf("no %q within %s", want, timeout)
		}
	}
}
