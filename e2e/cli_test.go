package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/internal/testkit"
)

// TestVersionBinary: the built binary names its version, the commit it was
// built from and its Go version, as the toolchain recorded them.
func TestVersionBinary(t *testing.T) {
	line := mustSluice(t, "version").stdout
	if flag := mustSluice(t, "--version").stdout; flag != line {
		t.Errorf("--version %q differs from version %q", flag, line)
	}
	if want := recordedVersion(t, testkit.Sluice(t)); line != want {
		t.Errorf("version %q; want %q", line, want)
	}
	if r := sluice(t, "version", "now"); r.code != 2 {
		t.Errorf("version with an argument: %v", r)
	}

	// In a git checkout the tests' binary is built with version control
	// stamping (GOFLAGS may turn it off), and names a commit of the
	// repository.
	if exec.Command("git", "-C", repoRoot, "rev-parse", "--git-dir").Run() != nil {
		t.Skip("not in a git repository")
	}
	if !testkit.Stamped(t) {
		t.Fatal("in a git checkout, the tests' binary was built without version control stamping")
	}
	stamped := testkit.Sluice(t)
	out, err := exec.Command(stamped, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`^sluice \S+ commit ([0-9a-f]{12})( \(modified\))? \S+ (go\S+)\n$`).FindStringSubmatch(string(out))
	if m == nil || m[3] != runtime.Version() {
		t.Fatalf("stamped version line %q", out)
	}
	if string(out) != recordedVersion(t, stamped) {
		t.Errorf("stamped version %q; want %q", out, recordedVersion(t, stamped))
	}
	// Other commits may have landed since the build: the commit need only
	// exist.
	if err := exec.Command("git", "-C", repoRoot, "cat-file", "-e", m[1]+"^{commit}").Run(); err != nil {
		t.Errorf("commit %s of %q is not in the repository: %v", m[1], out, err)
	}
}

// recordedVersion is the version line expected from what `go version -m`
// reads in the binary.
func recordedVersion(t *testing.T, binary string) string {
	t.Helper()
	out, err := exec.Command("go", "version", "-m", binary).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	goVersion, version := "", "(devel)"
	settings := map[string]string{}
	for i, l := range strings.Split(string(out), "\n") {
		f := strings.Split(strings.TrimSpace(l), "\t")
		switch {
		case i == 0:
			goVersion = strings.TrimSpace(l[strings.LastIndex(l, " ")+1:])
		case len(f) >= 3 && f[0] == "mod" && f[2] != "":
			version = f[2]
		case len(f) == 2 && f[0] == "build":
			if k, v, ok := strings.Cut(f[1], "="); ok {
				settings[k] = v
			}
		}
	}
	line := "sluice " + version + " commit "
	if rev := settings["vcs.revision"]; rev == "" {
		line += "unknown"
	} else {
		line += rev[:12]
		if settings["vcs.modified"] == "true" {
			line += " (modified)"
		}
		if at := settings["vcs.time"]; at != "" {
			line += " " + at
		}
	}
	return line + " " + goVersion + "\n"
}

// TestServiceReloadProblems: a reload of a config with problems answers
// 422 with each problem and its place, through the API; SIGHUP logs each
// one; the running config is kept either way.
func TestServiceReloadProblems(t *testing.T) {
	cfg, data := t.TempDir(), filepath.Join(t.TempDir(), "data")
	testkit.WriteFile(t, filepath.Join(cfg, "pipes.json"), servicePipes)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd := exec.CommandContext(ctx, testkit.Sluice(t), "run", "--addr", "127.0.0.1:0", "--config", cfg, "--data", data)
	cmd.Dir = t.TempDir()
	stderr := &testkit.Buffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { cancel(); <-done })
	url := waitForLine(t, stderr, regexp.MustCompile(`serving on (http://\S+)`))[1]

	testkit.WriteFile(t, filepath.Join(cfg, "broken.json"), `[{"_id": "x", "type": "pipe", "source": {"type": "nope"}},
 {"_id": "y", "type": "pipe", "source": {"type": "embedded", "entities": []}, "pump": {"schedule_interval": -1}}]`)
	resp, err := http.Post(url+"/api/config/reload", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
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
	err = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 422 || body.Status != 422 || body.Error != "the new config has 2 problems; the running config is kept" || len(body.Problems) != 2 {
		t.Fatalf("reload: %d %+v %v", resp.StatusCode, body, err)
	}
	broken := filepath.ToSlash(filepath.Join(cfg, "broken.json"))
	if p := body.Problems[0]; p.File != broken || p.Line != 1 || p.Column != 50 || p.Pointer != "/0/source/type" ||
		!strings.HasPrefix(p.Message, `unknown source type "nope"`) || p.Text != broken+":1:50: /0/source/type: "+p.Message {
		t.Errorf("first problem: %+v", p)
	}
	if p := body.Problems[1]; p.Line != 2 || p.Pointer != "/1/pump/schedule_interval" || !strings.Contains(p.Message, "schedule_interval") {
		t.Errorf("second problem: %+v", p)
	}

	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitForLine(t, stderr, regexp.MustCompile(`level=ERROR msg="config reload refused; the running config stays" problems=2`))
	log := stderr.String()
	if !strings.Contains(log, `problem="`+broken+`:1:50: /0/source/type: unknown source type \"nope\"`) || !strings.Contains(log, broken+":2:") {
		t.Errorf("SIGHUP did not log each problem:\n%s", log)
	}
	r, err := http.Get(url + "/api/pipes/copy")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 200 {
		t.Errorf("the running config was dropped: GET /api/pipes/copy answers %d", r.StatusCode)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		done <- err
		if err != nil {
			t.Fatalf("sluice run after SIGTERM: %v\n%s", err, stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("sluice run did not stop\n%s", stderr)
	}
}

// waitForLine waits up to 20 s for output matching re and returns the match.
func waitForLine(t *testing.T, out *testkit.Buffer, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("no output matching %s within 20 s:\n%s", re, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
