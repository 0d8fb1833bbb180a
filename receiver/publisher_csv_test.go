package receiver

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/engine"
)

const csvPublishConfig = `[
{"_id": "people", "type": "pipe", "source": {"type": "embedded", "entities": [
  {"_id": "1", "name": "Ada", "age": 36, "admin": true, "tags": ["a", "b"], "note": "says \"hi\", then\nleaves"},
  {"_id": "2", "name": "Grace", "age": 85.5, "admin": false, "note": null},
  {"_id": "3", "name": "Zoë ę"}
 ]},
 "sink": {"type": "csv_endpoint", "columns": ["_id", "name", "age", "admin", "tags", "note"], "filename": "people.csv"}},
{"_id": "latin", "type": "pipe", "source": {"type": "embedded", "entities": [{"_id": "1", "name": "Zoë ę"}]},
 "sink": {"type": "csv_endpoint", "columns": ["name"], "encoding": "latin-1", "include_header": false, "quoting": "all", "lineterminator": "\n"}},
{"_id": "semi", "type": "pipe", "source": {"type": "embedded", "entities": [{"_id": "1", "n": 1, "s": "x;y"}, {"_id": "2", "n": 2, "s": "z"}]},
 "sink": {"type": "csv_endpoint", "columns": ["n", "s"], "delimiter": ";", "quoting": "non-numeric", "byte_order_mark": true}},
{"_id": "relay", "type": "pipe", "source": {"type": "http_endpoint"}, "sink": {"type": "csv_endpoint", "columns": ["_id", "_deleted"], "skip-deleted-entities": false}},
{"_id": "live", "type": "pipe", "source": {"type": "http_endpoint"}, "sink": {"type": "csv_endpoint", "columns": ["_id"]}},
{"_id": "json", "type": "pipe", "source": {"type": "http_endpoint"}, "sink": {"type": "http_endpoint"}}
]`

func TestCSVPublisherFormats(t *testing.T) {
	h := newHarness(t, csvPublishConfig)
	for _, p := range []string{"people", "latin", "semi"} {
		if _, err := h.eng.Run(context.Background(), p, engine.RunOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	r := h.get("/api/publishers/people/csv")
	want := "_id,name,age,admin,tags,note\r\n" +
		"1,Ada,36,True,\"[\"\"a\"\",\"\"b\"\"]\",\"says \"\"hi\"\", then\nleaves\"\r\n" +
		"2,Grace,85.5,False,,\r\n" +
		"3,Zoë ę,,,,\r\n"
	if r.status != 200 || r.body != want {
		t.Fatalf("people: %d\n%q\nwant\n%q", r.status, r.body, want)
	}
	if ct, cd := r.header.Get("Content-Type"), r.header.Get("Content-Disposition"); ct != "text/csv; charset=utf-8" || cd != `attachment; filename=people.csv` {
		t.Errorf("Content-Type %q, Content-Disposition %q", ct, cd)
	}
	if r.header.Get("X-Dataset-Id") != "people" || r.header.Get("X-Dataset-Entities") != "3" || r.header.Get("X-Dataset-Populated") != "true" {
		t.Errorf("headers %v", r.header)
	}
	// A filename at the end of the URL names the download instead.
	r = h.get("/api/publishers/people/csv/Übersicht%20v2.csv")
	if cd := r.header.Get("Content-Disposition"); r.status != 200 || cd != `attachment; filename*=utf-8''%C3%9Cbersicht%20v2.csv` {
		t.Errorf("filename in the URL: %d, Content-Disposition %q", r.status, cd)
	}

	// latin-1: ę has no place in it and is written as Python's
	// backslashreplace writes it.
	r = h.get("/api/publishers/latin/csv")
	if r.status != 200 || r.body != "\"Zo\xeb \\u0119\"\n" || r.header.Get("Content-Type") != "text/csv; charset=latin-1" || r.header.Get("Content-Disposition") != "" {
		t.Errorf("latin: %d %q %v", r.status, r.body, r.header)
	}
	r = h.get("/api/publishers/semi/csv")
	if r.status != 200 || r.body != "\xef\xbb\xbf\"n\";\"s\"\r\n1;\"x;y\"\r\n2;\"z\"\r\n" {
		t.Errorf("semi: %d %q", r.status, r.body)
	}
}

func TestCSVPublisherPagingAndDeletions(t *testing.T) {
	old := csvPage
	csvPage = 3 // so that an answer spans several reads
	t.Cleanup(func() { csvPage = old })
	h := newHarness(t, csvPublishConfig)
	var batch []string
	for i := range 10 {
		batch = append(batch, fmt.Sprintf(`{"_id": "e%d"}`, i))
	}
	expect(t, h.post("relay", "", "application/json", "["+strings.Join(batch, ",")+"]"), 200)    // offsets 0-9
	expect(t, h.post("relay", "", "application/json", `[{"_id": "e2", "_deleted": true}]`), 200) // 10
	expect(t, h.post("live", "", "application/json", "["+strings.Join(batch, ",")+"]"), 200)
	expect(t, h.post("live", "", "application/json", `[{"_id": "e2", "_deleted": true}]`), 200)

	rows := func(path string) []string {
		t.Helper()
		r := h.get(path)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", path, r.status, r.body)
		}
		return strings.Split(strings.TrimSuffix(r.body, "\r\n"), "\r\n")
	}
	got := rows("/api/publishers/relay/csv")
	if len(got) != 11 || got[0] != "_id,_deleted" || got[1] != "e0,False" || got[10] != "e2,True" {
		t.Errorf("relay, deleted kept: %q", got)
	}
	got = rows("/api/publishers/live/csv")
	if len(got) != 10 || strings.Contains(strings.Join(got, " "), "e2") {
		t.Errorf("live, deleted skipped: %q", got)
	}
	got = rows("/api/publishers/live/csv?since=3&limit=4")
	if strings.Join(got, " ") != "_id e4 e5 e6 e7" {
		t.Errorf("since=3&limit=4: %q", got)
	}
	got = rows("/api/publishers/live/csv?limit=1")
	if strings.Join(got, " ") != "_id e0" {
		t.Errorf("limit=1: %q", got)
	}
}

func TestCSVPublisherErrors(t *testing.T) {
	h := newHarness(t, csvPublishConfig)
	for _, c := range []struct {
		path   string
		status int
		want   string
	}{
		{"/api/publishers/nope/csv", 404, `no pipe "nope"`},
		{"/api/publishers/json/csv", 404, `its sink is of type "http_endpoint", not "csv_endpoint"`},
		{"/api/publishers/live/entities", 404, `its sink is of type "csv_endpoint", not "http_endpoint"`},
		{"/api/publishers/live/csv?since=x", 400, "since"},
		{"/api/publishers/live/csv?limit=0", 400, "limit"},
		{"/api/publishers/live/csv?linked_excel_file=x.xlsx", 400, "linked_excel_file"},
	} {
		expect(t, h.get(c.path), c.status, c.want)
	}
	// Nothing received yet: the header row only.
	if r := h.get("/api/publishers/live/csv"); r.status != 200 || r.body != "_id\r\n" || r.header.Get("X-Dataset-Populated") != "false" {
		t.Errorf("empty: %d %q %v", r.status, r.body, r.header)
	}
}

func TestCSVEndpointSinkConfig(t *testing.T) {
	for cfg, want := range map[string]string{
		`{"type": "csv_endpoint"}`:                                                                   `missing required property "columns"`,
		`{"type": "csv_endpoint", "columns": []}`:                                                    `/0/sink/columns: columns must name at least one property`,
		`{"type": "csv_endpoint", "columns": ["a", "a"]}`:                                            `column "a" is listed twice`,
		`{"type": "csv_endpoint", "columns": ["a"], "quoting": "some"}`:                              `/0/sink/quoting: quoting must be`,
		`{"type": "csv_endpoint", "columns": ["a"], "delimiter": ""}`:                                `/0/sink/delimiter: the delimiter must not be empty`,
		`{"type": "csv_endpoint", "columns": ["a"], "quotechar": "''"}`:                              `/0/sink/quotechar: quotechar must be one character, not "''"`,
		`{"type": "csv_endpoint", "columns": ["a"], "encoding": "ebcdic-xx"}`:                        `/0/sink/encoding: unknown or unsupported encoding "ebcdic-xx"`,
		`{"type": "csv_endpoint", "columns": ["a"], "encoding": "latin-1", "byte_order_mark": true}`: `/0/sink/byte_order_mark: byte_order_mark goes with a UTF-8 encoding`,
		`{"type": "csv_endpoint", "columns": ["a"], "escapechar": "ab"}`:                             `/0/sink/escapechar: escapechar must be one character or null`,
		`{"type": "csv_endpoint", "columns": ["a"], "delimiter": "\""}`:                              `/0/sink/delimiter: the delimiter "\"" and the quote or escape character "\"" must differ`,
		`{"type": "csv_endpoint", "columns": ["a"], "filename": "a/b.csv"}`:                          `/0/sink/filename: filename must not contain`,
		`{"type": "csv_endpoint", "columns": ["a"], "encode_error_strategy": "x"}`:                   `/0/sink/encode_error_strategy: encode_error_strategy must be`,
	} {
		msg := loadErrors(t, `[{"_id": "p", "type": "pipe", "source": {"type": "http_endpoint"}, "sink": `+cfg+`}]`)
		if !strings.Contains(msg, want) {
			t.Errorf("errors:\n%s\ndo not contain %q", msg, want)
		}
	}
}
