package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the expected.txt of golden cases")

// TestGolden runs every case folder under testdata/golden. A case has:
//
//	config/        the first config folder
//	config-N/      other config folders, switched to by the step "use config-N"
//	steps.txt      sluice commands, one per line, without --config and --data
//	expected.txt   the transcript: each command's output, then every dataset's
//	               full history (as `dataset entities --history`, without _ts)
//
// Run with -update to rewrite expected.txt after a deliberate change.
func TestGolden(t *testing.T) {
	cases, err := filepath.Glob("../testdata/golden/*")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no golden cases found")
	}
	for _, dir := range cases {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			got := runGolden(t, dir)
			path := filepath.Join(dir, "expected.txt")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("transcript differs from %s (run with -update to accept):\n%s", path, diffLines(string(want), got))
			}
		})
	}
}

func runGolden(t *testing.T, dir string) string {
	steps, err := os.ReadFile(filepath.Join(dir, "steps.txt"))
	if err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	config := filepath.Join(dir, "config")
	var out strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(string(steps)), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fmt.Fprintf(&out, "$ %s\n", line)
		if name, ok := strings.CutPrefix(line, "use "); ok {
			config = filepath.Join(dir, name)
			continue
		}
		args := strings.Fields(line)
		for i, a := range args {
			if strings.HasPrefix(a, "@") { // a file of the case
				args[i] = filepath.Join(dir, a[1:])
			}
		}
		if args[0] != "dataset" {
			args = append(args, "--config", config)
		}
		args = append(args, "--data", data)
		stdout, stderr, code := runCLI(args, "")
		out.WriteString(normalize(stdout))
		if stderr != "" {
			out.WriteString(strings.ReplaceAll(strings.ReplaceAll(stderr, dir+"/", ""), data, "<data>"))
		}
		if code != 0 {
			fmt.Fprintf(&out, "exit %d\n", code)
		}
	}
	out.WriteString(dumpDatasets(t, data))
	return out.String()
}

func runCLI(args []string, stdin string) (stdout, stderr string, code int) {
	var o, e bytes.Buffer
	code = Run(args, strings.NewReader(stdin), &o, &e)
	return o.String(), e.String(), code
}

// volatile are properties that change from run to run.
var volatile = []string{"duration_ms", "started", "_ts", "created_ts", "updated_ts"}

// normalize drops volatile properties from JSON lines.
func normalize(s string) string {
	var b strings.Builder
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		var m map[string]json.RawMessage
		if json.Unmarshal([]byte(line), &m) == nil {
			for _, k := range volatile {
				delete(m, k)
			}
			if _, ok := m["completeness"]; ok {
				m["completeness"] = json.RawMessage(`"<timestamp>"`) // a time, but whether there is one matters
			}
			var up map[string]json.RawMessage
			if json.Unmarshal(m["upstream_completeness"], &up) == nil && up != nil {
				for k := range up {
					up[k] = json.RawMessage(`"<timestamp>"`)
				}
				m["upstream_completeness"], _ = json.Marshal(up)
			}
			enc, _ := json.Marshal(m) // sorted keys: stable
			line = string(enc)
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

func dumpDatasets(t *testing.T, data string) string {
	t.Helper()
	var b strings.Builder
	list, _, code := runCLI([]string{"dataset", "list", "--json", "--data", data}, "")
	if code != 0 {
		t.Fatalf("dataset list failed")
	}
	b.WriteString("== datasets\n" + normalize(list))
	sc := bufio.NewScanner(strings.NewReader(list))
	for sc.Scan() {
		var info struct {
			ID string `json:"_id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &info); err != nil {
			t.Fatal(err)
		}
		ents, _, code := runCLI([]string{"dataset", "entities", info.ID, "--history", "--data", data}, "")
		if code != 0 {
			t.Fatalf("dataset entities %s failed", info.ID)
		}
		fmt.Fprintf(&b, "== %s\n%s", info.ID, normalize(ents))
	}
	return b.String()
}

// diffLines shows the first lines where two texts differ.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, wl, gl)
		}
	}
	return ""
}
