package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/internal/testkit"
)

// TestDTLRunBinary pipes a few thousand entities through "sluice dtl run"
// as a user would, and checks every output line.
func TestDTLRunBinary(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules.json")
	testkit.WriteFile(t, rules, `{"type": "dtl", "rules": {"default": [
	  ["copy", "_id"],
	  ["add", "name", ["upper", "_S.name"]],
	  ["add", "lines", ["apply", "line", "_S.lines"]],
	  ["filter", ["gt", ["count", "_S.lines"], 0]]],
	  "line": [["add", "sku", ["concat", "SKU-", ["string", "_S.n"]]]]}}`)
	var in strings.Builder
	const n = 5000
	for i := 0; i < n; i++ {
		lines := make([]string, i%3)
		for j := range lines {
			lines[j] = fmt.Sprintf(`{"n": %d}`, j)
		}
		fmt.Fprintf(&in, "{\"_id\": \"o%d\", \"name\": \"order %d\", \"lines\": [%s]}\n", i, i, strings.Join(lines, ","))
	}
	r := sluiceWith(t, runOpts{stdin: strings.NewReader(in.String())}, "dtl", "run", "--rules", rules)
	if r.code != 0 {
		t.Fatal(r)
	}
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	count := 0
	for sc.Scan() {
		var e map[string]any
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %d: %v: %s", count+1, err, sc.Text())
		}
		i := count
		want := fmt.Sprintf("ORDER %d", i)
		if e["_id"] != fmt.Sprintf("o%d", i) || (i%3 != 0 && e["name"] != want) {
			t.Fatalf("line %d: %v", count+1, e)
		}
		if i%3 == 0 {
			if e["_filtered"] != true {
				t.Fatalf("line %d: entity without lines should be filtered: %v", count+1, e)
			}
		} else if ls, _ := e["lines"].([]any); len(ls) != i%3 || ls[0].(map[string]any)["sku"] != "SKU-0" {
			t.Fatalf("line %d: lines %v", count+1, e["lines"])
		}
		count++
	}
	if count != n {
		t.Fatalf("%d lines out, want %d", count, n)
	}

	// eval through the binary, with a source file.
	src := filepath.Join(dir, "s.json")
	os.WriteFile(src, []byte(`{"d": "2024-02-29"}`), 0o644)
	r = sluice(t, "dtl", "eval", `["datetime-plus", "year", 1, ["datetime-parse", "%Y-%m-%d", "_S.d"]]`, "--source", src)
	if r.code != 0 || r.stdout != "\"~t2025-02-28T00:00:00Z\"\n" {
		t.Fatal(r)
	}
}
