package service

import (
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
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
