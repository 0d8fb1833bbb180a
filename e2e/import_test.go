package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/internal/testkit"
)

// importSummary is what `dataset import` prints.
type importSummary struct {
	Dataset   string `json:"dataset"`
	Read      int    `json:"read"`
	Written   int    `json:"written"`
	Unchanged int    `json:"unchanged"`
}

func parseImport(t *testing.T, r result) importSummary {
	t.Helper()
	var s importSummary
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if r.code != 0 || dec.Decode(&s) != nil || dec.More() {
		t.Fatalf("want one import summary, got %v", r)
	}
	return s
}

// ndjson renders entities c0…c(n-1), one a line, with the given value of v.
func ndjson(n int, v string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"_id":"c%d","v":%q}`+"\n", i, v)
	}
	return b.String()
}

// assertNothingWritten fails unless the dataset is absent (want < 0) or
// still has exactly want versions.
func assertNothingWritten(t *testing.T, data, dataset string, want int) {
	t.Helper()
	if _, err := os.Stat(data); os.IsNotExist(err) {
		if want >= 0 {
			t.Errorf("the data folder %s is gone", data)
		}
		return // a refused import that never opened the folder wrote nothing
	}
	info, ok := datasets(t, data)[dataset]
	switch {
	case want < 0 && ok:
		t.Errorf("a failed import created dataset %q: %+v", dataset, info)
	case want >= 0 && (!ok || info.Versions != uint64(want)):
		t.Errorf("a failed import changed dataset %q: want %d versions, got %+v", dataset, want, info)
	}
}

func TestImportMalformedNDJSON(t *testing.T) {
	for name, bad := range map[string]string{
		"no _id":         `{"v":"x"}`,
		"invalid JSON":   `{"_id":"c2","v":`,
		"numeric _id":    `{"_id":2}`,
		"empty _id":      `{"_id":""}`,
		"not an object":  `["c2"]`,
		"trailing value": `{"_id":"c2"} {"_id":"c9"}`,
	} {
		t.Run(name, func(t *testing.T) {
			lines := strings.Split(strings.TrimSuffix(ndjson(5, "new"), "\n"), "\n")
			lines[2] = bad
			file := filepath.Join(t.TempDir(), "in.ndjson")
			testkit.WriteFile(t, file, strings.Join(lines, "\n")+"\n")

			data := filepath.Join(t.TempDir(), "data")
			r := sluice(t, "dataset", "import", "things", file, "--data", data)
			if r.code != 1 || r.stdout != "" || !strings.HasPrefix(r.stderr, "sluice: line 3: ") ||
				!strings.HasSuffix(r.stderr, "; nothing was imported\n") || strings.Count(r.stderr, "\n") != 1 {
				t.Fatalf("want exit 1 naming line 3, got %v", r)
			}
			assertNothingWritten(t, data, "things", -1)

			// Into an existing dataset: its versions stay as they were.
			parseImport(t, sluiceWith(t, runOpts{stdin: strings.NewReader(ndjson(2, "old"))}, "dataset", "import", "things", "--data", data))
			if r := sluice(t, "dataset", "import", "things", file, "--data", data); r.code != 1 {
				t.Fatalf("want exit 1, got %v", r)
			}
			assertNothingWritten(t, data, "things", 2)
			for _, e := range entities(t, data, "things") {
				if e["v"] != "old" {
					t.Errorf("entity changed by a failed import: %v", e)
				}
			}
		})
	}
}

func TestImportMalformedArray(t *testing.T) {
	for name, tc := range map[string]struct{ input, want string }{
		"no _id": {
			"[\n  {\"_id\": \"a\"},\n  {\"_id\": \"b\"},\n  {\"v\": 1},\n  {\"_id\": \"d\"}\n]\n",
			"sluice: item 3 (line 4): entity has no _id; nothing was imported\n",
		},
		"numeric _id": {
			"[{\"_id\": \"a\"},\n{\"_id\": 7},\n{\"_id\": \"c\"}]",
			"sluice: item 2 (line 2): entity _id must be a string, got 7; nothing was imported\n",
		},
		"not an object": {
			"[{\"_id\": \"a\"}, {\"_id\": \"b\"},\n\n 42]",
			"sluice: item 3 (line 3): entity is not a JSON object; nothing was imported\n",
		},
	} {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "in.json")
			testkit.WriteFile(t, file, tc.input)
			data := filepath.Join(t.TempDir(), "data")
			if r := sluice(t, "dataset", "import", "arr", file, "--data", data); r.code != 1 || r.stderr != tc.want || r.stdout != "" {
				t.Fatalf("want exit 1 and %q, got %v", tc.want, r)
			}
			assertNothingWritten(t, data, "arr", -1)
		})
	}
	// A syntax error inside an item names the item too.
	file := filepath.Join(t.TempDir(), "in.json")
	testkit.WriteFile(t, file, `[{"_id": "a"}, {"_id": "b" "v": 1}]`)
	data := filepath.Join(t.TempDir(), "data")
	if r := sluice(t, "dataset", "import", "arr", file, "--data", data); r.code != 1 || !strings.HasPrefix(r.stderr, "sluice: item 2 (line 1): invalid character") {
		t.Errorf("syntax error: %v", r)
	}
	assertNothingWritten(t, data, "arr", -1)
}

func TestImportTwiceAndFromStdin(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	file := filepath.Join(t.TempDir(), "in.ndjson")
	testkit.WriteFile(t, file, "\n"+ndjson(5, "one")+"\n\n") // blank lines are skipped
	want := importSummary{Dataset: "imp", Read: 5, Written: 5}
	if s := parseImport(t, sluice(t, "dataset", "import", "imp", file, "--data", data)); s != want {
		t.Errorf("first import: want %+v, got %+v", want, s)
	}
	want = importSummary{Dataset: "imp", Read: 5, Unchanged: 5}
	if s := parseImport(t, sluice(t, "dataset", "import", "--data", data, "imp", file)); s != want {
		t.Errorf("second import: want %+v, got %+v", want, s)
	}
	es := entities(t, data, "imp")
	if info := datasets(t, data)["imp"]; info.Versions != 5 || len(es) != 5 {
		t.Fatalf("after two identical imports: %+v, %v", info, es)
	}
	for i, e := range es {
		if e.id() != fmt.Sprintf("c%d", i) || e["v"] != "one" || e.num("_updated") != int64(i) || e["_previous"] != nil {
			t.Errorf("imported entity %d: %v", i, e)
		}
	}

	// From standard input with "-", as a JSON array: two changes, three
	// no-ops, one new entity; reserved properties in the input are replaced.
	arr := `[{"_id":"c0","v":"one"},{"_id":"c1","v":"one"},{"_id":"c2","v":"two"},` +
		`{"_id":"c3","v":"one"},{"_id":"c4","v":"one","_deleted":true},{"_id":"c5","_updated":99,"_previous":3}]`
	s := parseImport(t, sluiceWith(t, runOpts{stdin: strings.NewReader(arr)}, "dataset", "import", "imp", "-", "--data", data))
	if want := (importSummary{Dataset: "imp", Read: 6, Written: 3, Unchanged: 3}); s != want {
		t.Errorf("stdin import: want %+v, got %+v", want, s)
	}
	got := byID(t, entities(t, data, "imp"))
	if c2 := got["c2"]; c2["v"] != "two" || c2.num("_previous") != 2 || c2.num("_updated") != 5 {
		t.Errorf("c2: %v", c2)
	}
	if c4 := got["c4"]; !c4.deleted() || c4.num("_previous") != 4 {
		t.Errorf("c4: %v", c4)
	}
	if c5 := got["c5"]; c5.num("_updated") != 7 || c5["_previous"] != nil {
		t.Errorf("c5: %v", c5)
	}
	if info := datasets(t, data)["imp"]; info.Versions != 8 || info.Entities != 6 || info.Deleted != 1 {
		t.Errorf("dataset list: %+v", info)
	}

	// Standard input is the default, and empty input imports nothing.
	s = parseImport(t, sluiceWith(t, runOpts{stdin: strings.NewReader("")}, "dataset", "import", "imp", "--data", data))
	if s != (importSummary{Dataset: "imp"}) {
		t.Errorf("empty import: %+v", s)
	}
}

func TestImportRefusals(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	if r := sluice(t, "dataset", "import", "system:pump", "-", "--data", data); r.code != 1 || !strings.Contains(r.stderr, "cannot be imported into") {
		t.Errorf("system: dataset: %v", r)
	}
	missing := filepath.Join(t.TempDir(), "missing.ndjson")
	if r := sluice(t, "dataset", "import", "x", missing, "--data", data); r.code != 1 || !strings.Contains(r.stderr, "no such file") {
		t.Errorf("missing file: %v", r)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Errorf("refused imports created the data folder: %v", err)
	}
}

// Leading blank lines count: line numbers are those an editor shows.
func TestImportLineNumbersAfterLeadingBlankLines(t *testing.T) {
	file := filepath.Join(t.TempDir(), "in.ndjson")
	testkit.WriteFile(t, file, "\n\n{\"_id\":\"a\"}\n{\"_id\":\"b\"}\n{\"v\":1}\n")
	r := sluice(t, "dataset", "import", "x", file, "--data", filepath.Join(t.TempDir(), "data"))
	if !strings.HasPrefix(r.stderr, "sluice: line 5: ") {
		t.Errorf("want line 5, got %v", r)
	}
}

// An entity with two "_id" keys is refused by the check pass, so nothing
// is written — not even the batches before it.
func TestImportDuplicateIDKeyWritesNothing(t *testing.T) {
	var b strings.Builder
	for i := range 1500 {
		if i == 1200 {
			fmt.Fprintf(&b, `{"_id":"x%d","_id":5}`+"\n", i)
			continue
		}
		fmt.Fprintf(&b, `{"_id":"x%d"}`+"\n", i)
	}
	data := filepath.Join(t.TempDir(), "data")
	r := sluiceWith(t, runOpts{stdin: strings.NewReader(b.String())}, "dataset", "import", "dup", "--data", data)
	if r.code != 1 || !strings.HasPrefix(r.stderr, "sluice: line 1201: ") {
		t.Errorf("want exit 1 naming line 1201, got %v", r)
	}
	assertNothingWritten(t, data, "dup", -1)
}

// Array imports name the line where the bad item is, not where the
// previous one ended.
func TestImportArrayLineNumbers(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"[\n{\"_id\":\"a\"},\n{\"_id\":\"b\"},\n{\"_id\":\"c\" \"x\":1}\n]", "sluice: item 3 (line 4): "},
		{"\n[{\"_id\":\"a\"},\n\n  {\"_id\":\"b\",\n \"x\":[1]},\n {\"id\":3}]", "sluice: item 3 (line 6): entity has no _id"},
		{"[{\"_id\":\"a\"},\n{\"_id\": \"c\"\n \"x\":2}]", "sluice: item 2 (line 3): "},
	} {
		data := filepath.Join(t.TempDir(), "data")
		r := sluiceWith(t, runOpts{stdin: strings.NewReader(tc.in)}, "dataset", "import", "x", "--data", data)
		if r.code != 1 || !strings.HasPrefix(r.stderr, tc.want) {
			t.Errorf("import of %q: want %q, got %v", tc.in, tc.want, r)
		}
		assertNothingWritten(t, data, "x", -1)
	}
}
