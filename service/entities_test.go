package service

import (
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// manyEntitiesPipe is a manual pipe whose dataset gets n entities.
func manyEntitiesPipe(n int) string {
	ents := make([]string, n)
	for i := range ents {
		ents[i] = `{"_id": "e` + strconv.Itoa(i) + `"}`
	}
	return `{"_id": "many", "type": "pipe", "pump": {"mode": "manual"},
	  "source": {"type": "embedded", "entities": [` + strings.Join(ents, ",") + `]}}`
}

// GET /api/datasets/{id}/entities answers a page: the default limit
// without one, never more than the maximum, and the next page follows
// from since= the last entity's _updated.
func TestDatasetEntitiesLimit(t *testing.T) {
	svc, srv, _ := startService(t, "", map[string]string{"p.json": manyEntitiesPipe(defaultEntityLimit + 500)})
	u := srv.URL + "/api/datasets/many/entities"
	if code, body := call(t, "POST", srv.URL+"/api/pipes/many/pump", "operation=start&wait=true"); code != 200 {
		t.Fatalf("run: %d %s", code, body)
	}
	page := func(query string) []map[string]any {
		t.Helper()
		code, body := call(t, "GET", u+query, "")
		var out []map[string]any
		if code != 200 || json.Unmarshal([]byte(body), &out) != nil {
			t.Fatalf("GET %s: %d %.300s", query, code, body)
		}
		return out
	}
	first := page("")
	if len(first) != defaultEntityLimit {
		t.Fatalf("without a limit: %d entities, want the default %d", len(first), defaultEntityLimit)
	}
	last := first[len(first)-1]["_updated"].(float64)
	rest := page("?since=" + strconv.FormatFloat(last, 'f', -1, 64))
	if len(rest) != 500 || rest[0]["_id"] != "e"+strconv.Itoa(defaultEntityLimit) {
		t.Fatalf("the next page: %d entities, first %v", len(rest), rest[0]["_id"])
	}
	if got := page("?limit=" + strconv.Itoa(maxEntityLimit)); len(got) != defaultEntityLimit+500 {
		t.Fatalf("limit=max: %d entities", len(got))
	}
	if got := page("?limit=7"); len(got) != 7 {
		t.Fatalf("limit=7: %d entities", len(got))
	}
	for _, bad := range []string{strconv.Itoa(maxEntityLimit + 1), "0", "-1", "x"} {
		code, body := call(t, "GET", u+"?limit="+bad, "")
		if code != 400 || !strings.Contains(body, strconv.Itoa(maxEntityLimit)) || !strings.Contains(body, `"status":400`) {
			t.Errorf("limit=%s: %d %s; want 400 naming the maximum", bad, code, body)
		}
	}

	// The answer is flushed as it goes, not held until the scan ends.
	rec := httptest.NewRecorder()
	svc.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/api/datasets/many/entities?limit=600", nil))
	var got []json.RawMessage
	if rec.Code != 200 || !rec.Flushed || json.Unmarshal(rec.Body.Bytes(), &got) != nil || len(got) != 600 {
		t.Fatalf("streamed answer: %d flushed=%v %d entities", rec.Code, rec.Flushed, len(got))
	}
}

// deadlineRecorder is a ResponseWriter that records the write deadlines
// set on it and its flushes.
type deadlineRecorder struct {
	*httptest.ResponseRecorder
	deadlines []time.Time
	flushes   int
}

func (d *deadlineRecorder) SetWriteDeadline(t time.Time) error {
	d.deadlines = append(d.deadlines, t)
	return nil
}

func (d *deadlineRecorder) Flush() { d.flushes++; d.ResponseRecorder.Flush() }

// Each flush of a long answer gives the client a fresh write deadline, so
// the server's write timeout does not cut an answer that is being read.
func TestEntityStreamExtendsWriteDeadline(t *testing.T) {
	rec := &deadlineRecorder{ResponseRecorder: httptest.NewRecorder()}
	s := newEntityStream(rec)
	for i := range 3*flushEvery + 1 {
		if err := s.add([]byte(`{"_id":"` + strconv.Itoa(i) + `"}`)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.end(); err != nil {
		t.Fatal(err)
	}
	var got []json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || len(got) != 3*flushEvery+1 {
		t.Fatalf("body: %v, %d entities", err, len(got))
	}
	if rec.flushes != 4 || len(rec.deadlines) != 4 {
		t.Fatalf("%d flushes and %d deadlines; want 4 of each", rec.flushes, len(rec.deadlines))
	}
	for _, d := range rec.deadlines {
		if until := time.Until(d); until < writeDeadline-5*time.Second || until > writeDeadline {
			t.Fatalf("a deadline %s away; want %s", until, writeDeadline)
		}
	}
	empty := httptest.NewRecorder()
	if s := newEntityStream(empty); s.end() != nil || empty.Body.String() != "[]\n" {
		t.Fatalf("empty: %q", empty.Body.String())
	}
}
