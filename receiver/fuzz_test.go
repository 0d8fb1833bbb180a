package receiver

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/entity"
)

// FuzzParseBody: any body either parses into JSON objects, or fails with a
// message; it never panics.
func FuzzParseBody(f *testing.F) {
	for _, s := range []string{`{"_id": "a"}`, `[{"_id": "a"}, {"_id": "b"}]`, "{\"_id\": \"a\"}\n\n{\"_id\": \"b\"}\n",
		`[1]`, `[{"a": 1, "a": 2}]`, "[\n{\"_id\":", `{"_id": "\xff"}`, `  `, `[]`, `{} {}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for name, parse := range map[string]func([]byte) ([]entity.Entity, error){"json": parseJSON, "ndjson": parseNDJSON} {
			es, err := parse(body)
			if err != nil {
				if err.Error() == "" {
					t.Fatalf("%s: empty error", name)
				}
				continue
			}
			for i, e := range es {
				var m map[string]any
				if json.Unmarshal(e, &m) != nil {
					t.Fatalf("%s: entity %d is not a JSON object: %q", name, i, e)
				}
			}
		}
	})
}

// FuzzSyncParams: any query string gives parameters or an error, and a
// full sync always has its ids.
func FuzzSyncParams(f *testing.F) {
	f.Add("is_full=true&sequence_id=s&request_id=r&is_first=true")
	f.Add("is_full=perhaps")
	f.Add("is_last=true")
	f.Fuzz(func(t *testing.T, query string) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		p, err := parseSyncParams(q)
		if err == nil && p.full && (p.sequenceID == "" || p.requestID == "") {
			t.Fatalf("full sync without ids from %q", query)
		}
		if err != nil && strings.TrimSpace(err.Error()) == "" {
			t.Fatal("empty error")
		}
	})
}

// FuzzRequestCompleteness: any X-Dataset-Completeness value is refused
// with an error or read as a positive timestamp, never a panic.
func FuzzRequestCompleteness(f *testing.F) {
	for _, s := range []string{"", "1500000000000000", "0", "-1", " 12 ", "9223372036854775808", "1e6", "abc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		r.Header[CompletenessHeader] = []string{v}
		ts, err := requestCompleteness(r)
		switch {
		case err != nil && ts != 0:
			t.Fatalf("%q: error %v with timestamp %d", v, err, ts)
		case err == nil && v != "" && ts <= 0:
			t.Fatalf("%q: accepted as %d", v, ts)
		}
	})
}
