package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/internal/testkit"
)

// peopleCSV is written as Python's csv writer (and so the csv_endpoint
// sink) writes it: CRLF, quotes only where needed, empty fields empty.
const peopleCSV = "id,name,city,note\r\n" +
	"1,Ada Lovelace,London,\"wrote \"\"the first program\"\", or so\"\r\n" +
	"2,Grace Hopper,,\"two\r\nlines\"\r\n" +
	"3,Zoë Ærø,Tromsø,\r\n" +
	"4,\"Smith, John\",Oslo,\r\n"

// TestCSVRoundTrip serves a pipe from a CSV file (csv source) to a
// csv_endpoint sink from the real `sluice run`, and finds the file's bytes
// at /api/publishers/<pipe>/csv; a second sluice then reads that URL
// through a system:url with the csv source.
func TestCSVRoundTrip(t *testing.T) {
	cfg, data := t.TempDir(), filepath.Join(t.TempDir(), "data")
	testkit.WriteFile(t, filepath.Join(cfg, "files", "people.csv"), peopleCSV)
	testkit.WriteFile(t, filepath.Join(cfg, "pipes.json"), `[
  {"_id": "people", "type": "pipe", "pump": {"mode": "manual"},
   "source": {"type": "csv", "url": "files/people.csv", "primary_key": "id"},
   "sink": {"type": "csv_endpoint", "columns": ["id", "name", "city", "note"], "filename": "people.csv"}}
]`)
	// As in Sesam, the pipe is not pumped: it is read when its CSV is asked for.
	pump(t, cfg, data, "people").counts(t, 0, 0, 0)
	svc := startService(t, "--config", cfg, "--data", data)

	code, body := svc.do(t, "GET", "/api/publishers/people/csv", "", "")
	if code != 200 || body != peopleCSV {
		t.Fatalf("publisher: %d\n%q\nwant\n%q", code, body, peopleCSV)
	}
	code, body = svc.do(t, "GET", "/api/publishers/people/csv?limit=1", "", "")
	if want := "id,name,city,note\r\n1,Ada Lovelace,London,\"wrote \"\"the first program\"\", or so\"\r\n"; code != 200 || body != want {
		t.Fatalf("a page: %d %q", code, body)
	}

	// Another sluice reads the published CSV over HTTP.
	cfg2, data2 := t.TempDir(), filepath.Join(t.TempDir(), "data")
	testkit.WriteFile(t, filepath.Join(cfg2, "pipes.json"), fmt.Sprintf(`[
  {"_id": "publisher", "type": "system:url", "url_pattern": "%s/api/publishers/%%s"},
  {"_id": "copy", "type": "pipe", "source": {"type": "csv", "system": "publisher", "url": "people/csv", "primary_key": ["id", "name"]}}
]`, svc.url))
	pump(t, cfg2, data2, "copy").counts(t, 4, 4, 0)
	svc.stop(t)

	got := byID(t, entities(t, data2, "copy"))
	if len(got) != 4 || got["1-Ada Lovelace"]["note"] != `wrote "the first program", or so` || got["2-Grace Hopper"]["note"] != "two\r\nlines" ||
		got["3-Zoë Ærø"]["city"] != "Tromsø" || got["4-Smith, John"]["city"] != "Oslo" {
		t.Fatalf("copied entities: %v", got)
	}
	// Empty values are left out.
	if _, ok := got["2-Grace Hopper"]["city"]; ok {
		t.Fatalf("an empty value was kept: %v", got["2-Grace Hopper"])
	}
}

// TestCSVBadRowKeepsCompleteBatches: a run that meets a row with too many
// values fails naming the file and line; the batches before it are
// written, nothing of the batch it was in, and nothing is deleted.
func TestCSVBadRowKeepsCompleteBatches(t *testing.T) {
	cfg, data := t.TempDir(), filepath.Join(t.TempDir(), "data")
	var good strings.Builder
	good.WriteString("id,v\n")
	for i := range 7 {
		fmt.Fprintf(&good, "%d,v%d\n", i, i)
	}
	file := filepath.Join(cfg, "rows.csv")
	testkit.WriteFile(t, file, good.String())
	testkit.WriteFile(t, filepath.Join(cfg, "pipes.json"), `[
  {"_id": "rows", "type": "pipe", "batch_size": 3, "source": {"type": "csv", "url": "rows.csv", "primary_key": "id"}}
]`)
	pump(t, cfg, data, "rows").counts(t, 7, 7, 0)

	// Row 6 (line 7) gets a third value; rows 0-2 and 3-5 make two full
	// batches before it, so the run reaches it in the third.
	bad := strings.Replace(good.String(), "3,v3\n", "3,v3 changed\n", 1)
	bad = strings.Replace(bad, "6,v6\n", "6,v6,oops\n", 1)
	testkit.WriteFile(t, file, bad)
	r := sluice(t, "pump", "rows", "--config", cfg, "--data", data)
	s := parseSummary(t, r)
	if want := file + ": line 8: the row has 3 values, but there are 2 columns"; r.code != 1 || s.Status != "failed" || !strings.Contains(s.Error, want) {
		t.Fatalf("want a failed run saying %q, got %v", want, r)
	}
	if s.Written != 1 || s.Deleted != 0 {
		t.Fatalf("the failed run wrote %d (want 1: row 3 changed) and deleted %d", s.Written, s.Deleted)
	}
	es := byID(t, entities(t, data, "rows"))
	if len(es) != 7 || es["3"]["v"] != "v3 changed" || es["6"]["v"] != "v6" || es["6"].deleted() {
		t.Fatalf("after the failed run: %v", es)
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	r = sluice(t, "pump", "rows", "--config", cfg, "--data", data)
	if s := parseSummary(t, r); r.code != 1 || !strings.Contains(s.Error, "rows.csv: no such file or directory") {
		t.Fatalf("missing file: %v", r)
	}
}
