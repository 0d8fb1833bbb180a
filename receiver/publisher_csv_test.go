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
{"_id": "json", "type": "pipe", "source": {"type": "http_endpoint"}, "sink": {"type": "http_endpoint"}},
{"_id": "inbox", "type": "pipe", "source": {"type": "http_endpoint"}},
{"_id": "export", "type": "pipe", "source": {"type": "dataset", "dataset": "inbox"},
 "transform": {"type": "dtl", "rules": {"default": [["filter", ["neq", "_S.n", 3]], ["copy", "*"], ["add", "double", ["*", "_S.n", 2]]]}},
 "sink": {"type": "csv_endpoint", "columns": ["_id", "n", "double"]}},
{"_id": "broken", "type": "pipe", "source": {"type": "dataset", "dataset": "inbox"},
 "transform": {"type": "http", "url": "http://127.0.0.1:1/unreachable"},
 "sink": {"type": "csv_endpoint", "columns": ["_id"]}}
]`

func TestCSVPublisherFormats(t *testing.T) {
	h := newHarness(t, csvPublishConfig)
	// The pipes are read for each request: a run does nothing.
	for _, p := range []string{"people", "latin", "semi"} {
		sum, err := h.eng.Run(context.Background(), p, engine.RunOptions{})
		if err != nil || sum.Read != 0 {
			t.Fatalf("run %s: %+v %v", p, sum, err)
		}
		if _, ok := h.st.Dataset(p); ok {
			t.Fatalf("a run of %s wrote its dataset", p)
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
	if r.header.Get("X-Dataset-Id") != "" {
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

// TestCSVPublisherReadsThePipe: a pipe with a dataset source is read
// through its transforms for each request, from the since the source
// understands (a dataset offset); filtered and deleted entities give no
// row; a failure before the first row is answered 500.
func TestCSVPublisherReadsThePipe(t *testing.T) {
	h := newHarness(t, csvPublishConfig)
	expect(t, h.post("inbox", "", "application/json", `[{"_id": "a", "n": 1}, {"_id": "b", "n": 2}, {"_id": "c", "n": 3}, {"_id": "d", "n": 4}]`), 200) // offsets 0-3
	expect(t, h.post("inbox", "", "application/json", `[{"_id": "b", "n": 2, "_deleted": true}]`), 200)                                                 // 4

	for query, want := range map[string]string{
		"":                 "_id,n,double\r\na,1,2\r\nd,4,8\r\n",
		"?since=0":         "_id,n,double\r\nd,4,8\r\n",
		"?limit=1":         "_id,n,double\r\na,1,2\r\n",
		"?since=3":         "_id,n,double\r\n",
		"?since=0&limit=5": "_id,n,double\r\nd,4,8\r\n",
	} {
		if r := h.get("/api/publishers/export/csv" + query); r.status != 200 || r.body != want {
			t.Errorf("export%s: %d %q, want %q", query, r.status, r.body, want)
		}
	}
	r := h.get("/api/publishers/broken/csv")
	if r.status != 500 || !strings.Contains(r.errorMsg(t), `reading pipe "broken": transform 0 (http): http transform: POST http://127.0.0.1:1/unreachable`) {
		t.Errorf("a failing transform: %d %s", r.status, r.body)
	}
}
