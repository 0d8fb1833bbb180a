package e2e

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/internal/testkit"
)

var updateConnectorReadme = flag.Bool("update-connector-readme", false, "rewrite the transcripts in examples/connector/README.md with what the commands print")

// The README's fixed places, which the test moves to its own.
const (
	readmeAPI  = "http://127.0.0.1:8091"
	readmeTemp = "/tmp/fakecrm-"
)

// shimWarning is the warning every command loading the expanded config
// prints (about the -transform pipe the expansion adds); the README shows
// it for validate only.
const shimWarning = `/source/supports_signalling: warning: property "supports_signalling" is accepted for Sesam compatibility but has no effect in sluice`

// step is one "$ command" of a console block and the lines shown after it.
type step struct {
	cmd  string
	want []string
	line int // of the command in the README, 1-based
}

// consoleSteps reads the console blocks of a README.
func consoleSteps(readme string) []step {
	var steps []step
	in := false
	for i, line := range strings.Split(readme, "\n") {
		switch {
		case line == "```console":
			in = true
		case in && line == "```":
			in = false
		case in && strings.HasPrefix(line, "$ "):
			steps = append(steps, step{cmd: strings.TrimPrefix(line, "$ "), line: i + 1})
		case in:
			steps[len(steps)-1].want = append(steps[len(steps)-1].want, line)
		}
	}
	return steps
}

// words splits a command line the way a POSIX shell would for the
// commands the README uses: single and double quotes, $NAME expanded
// outside single quotes.
func words(line string, env map[string]string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inWord := false
	var quote rune
	rs := []rune(line)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			if quote == r {
				quote = 0
			} else if quote == 0 {
				quote, inWord = r, true
			} else {
				cur.WriteRune(r)
			}
		case r == '$':
			j := i + 1
			for j < len(rs) && (rs[j] == '_' || rs[j] >= 'a' && rs[j] <= 'z' || rs[j] >= 'A' && rs[j] <= 'Z' || rs[j] >= '0' && rs[j] <= '9') {
				j++
			}
			v, ok := env[string(rs[i+1:j])]
			if !ok {
				return nil, fmt.Errorf("$%s is not set", string(rs[i+1:j]))
			}
			cur.WriteString(v)
			inWord, i = true, j-1
		case quote == 0 && r == ' ':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unclosed quote")
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out, nil
}

// volatile are the parts of the output that change from run to run.
var volatile = []*regexp.Regexp{
	regexp.MustCompile(`"duration_ms":\d+`),
	regexp.MustCompile(`"started":"[^"]*"`),
	regexp.MustCompile(`"_ts":\d+`),
}

func stable(s string) string {
	for _, re := range volatile {
		s = re.ReplaceAllStringFunc(s, func(m string) string { k, _, _ := strings.Cut(m, ":"); return k + ":…" })
	}
	return s
}

// TestConnectorExample runs examples/connector/README.md: every console
// command, with the real binary against the fake CRM, and compares what
// it prints with the transcript (times aside).
func TestConnectorExample(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the fake API")
	}
	readmePath := filepath.Join(repoRoot, "examples", "connector", "README.md")
	data, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	steps := consoleSteps(readme)
	if len(steps) < 30 {
		t.Fatalf("found %d commands in the README", len(steps))
	}

	temp := filepath.Join(t.TempDir(), "fakecrm-")
	api := ""
	env := map[string]string{}
	// local turns the README's places into the test's, and back.
	local := func(s string) string {
		s = strings.ReplaceAll(s, readmeTemp, temp)
		if api != "" {
			s = strings.ReplaceAll(s, readmeAPI, api)
		}
		return s
	}
	shown := func(s string) string {
		s = strings.ReplaceAll(s, temp, readmeTemp)
		if api != "" {
			s = strings.ReplaceAll(s, api, readmeAPI)
		}
		return s
	}

	got := make([][]string, len(steps))
	for i, st := range steps {
		args, err := words(local(st.cmd), env)
		if err != nil {
			t.Fatalf("README line %d: %v", st.line, err)
		}
		var out string
		switch {
		case st.cmd == "go run ./examples/connector/fakeapi":
			var line string
			api, line = startConnectorAPI(t)
			out = line
		case st.cmd == "go build -o sluice ./cmd/sluice":
		case args[0] == "export":
			for _, kv := range args[1:] {
				k, v, _ := strings.Cut(kv, "=")
				env[k] = v
			}
		case args[0] == "cat":
			b, err := os.ReadFile(filepath.Join(repoRoot, args[1]))
			if err != nil {
				t.Fatal(err)
			}
			out = string(b)
		case args[0] == "curl":
			out = curl(t, args[1:])
		case args[0] == "./sluice":
			out = runSluice(t, env, args[1:], args[1] == "validate")
		default:
			t.Fatalf("README line %d: the test does not know how to run %q", st.line, st.cmd)
		}
		out = shown(strings.TrimRight(out, "\n"))
		if out != "" {
			got[i] = strings.Split(out, "\n")
		}
		if *updateConnectorReadme {
			continue
		}
		if stable(strings.Join(got[i], "\n")) != stable(strings.Join(st.want, "\n")) {
			t.Errorf("README line %d: $ %s\nprints:\n%s\nthe README shows:\n%s", st.line, st.cmd, strings.Join(got[i], "\n"), strings.Join(st.want, "\n"))
		}
	}
	if *updateConnectorReadme {
		if err := os.WriteFile(readmePath, []byte(rewriteTranscripts(readme, got)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// rewriteTranscripts puts each command's output under it.
func rewriteTranscripts(readme string, got [][]string) string {
	var b strings.Builder
	in, n := false, -1
	lines := strings.Split(readme, "\n")
	for i, line := range lines {
		switch {
		case line == "```console":
			in = true
		case in && line == "```":
			in = false
		case in && strings.HasPrefix(line, "$ "):
			n++
			b.WriteString(line + "\n")
			for _, o := range got[n] {
				b.WriteString(o + "\n")
			}
			continue
		case in:
			continue // the old transcript
		}
		b.WriteString(line)
		if i < len(lines)-1 {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// startConnectorAPI builds and starts the fake CRM on a free port and
// returns its URL and the line it printed.
func startConnectorAPI(t *testing.T) (string, string) {
	t.Helper()
	exe := testkit.Binary(t, "./examples/connector/fakeapi")
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, exe, "-addr", "127.0.0.1:0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("fake CRM did not start: %v", err)
	}
	i := strings.Index(line, "http://")
	if i < 0 {
		t.Fatalf("fake CRM said %q", line)
	}
	return strings.TrimSpace(line[i:]), line
}

// runSluice runs the binary from the repository root and returns what it
// printed on stderr, then stdout; the expanded config's warning is left
// out unless keep.
func runSluice(t *testing.T, env map[string]string, args []string, keep bool) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, testkit.Sluice(t), args...)
	cmd.Dir = repoRoot
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("sluice %s: %v\n%s%s", strings.Join(args, " "), err, stderr.String(), stdout.String())
	}
	var errLines []string
	for _, l := range strings.Split(strings.TrimRight(stderr.String(), "\n"), "\n") {
		if l == "" || (!keep && strings.HasSuffix(l, shimWarning)) {
			continue
		}
		errLines = append(errLines, l)
	}
	out := strings.Join(errLines, "\n")
	if out != "" {
		out += "\n"
	}
	return out + stdout.String()
}

// curl does what the README's curl commands do: -s, -X METHOD,
// -H "Name: value", -d BODY and a URL; it returns the body.
func curl(t *testing.T, args []string) string {
	t.Helper()
	method, url, body := "GET", "", ""
	header := http.Header{}
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-s":
		case "-X":
			i++
			method = args[i]
		case "-H":
			i++
			k, v, _ := strings.Cut(args[i], ":")
			header.Set(k, strings.TrimSpace(v))
		case "-d":
			i++
			body = args[i]
			if method == "GET" {
				method = "POST"
			}
		default:
			url = args[i]
		}
	}
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded") // as curl -d sends it
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
	return string(b)
}
