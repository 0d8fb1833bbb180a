package rest

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/sluice-sync/sluice/internal/testkit"
)

// same-response: an API that answers every page past the last with the
// last page again; the repeat is not passed on.
func TestPagingSameResponse(t *testing.T) {
	repeating := func(w http.ResponseWriter, r *http.Request, _ string) {
		n, _ := strconv.Atoi(r.URL.Query().Get("page"))
		n = min(n, 2)
		writeJSON(w, 200, map[string]any{"result": map[string]any{"items": items(n + 1)}, "next": fmt.Sprintf("items?page=%d", n+1)})
	}
	api := testkit.NewAPI(t, repeating)
	src := pagedSource(t, api, `, "next_page_termination_strategy": "same-response"`, "")
	es, _, err := readAll(t, src, "")
	if err != nil {
		t.Fatal(err)
	}
	if ids(es) != "1,2,3" || uris(api) != "/items /items?page=1 /items?page=2 /items?page=3" {
		t.Errorf("ids %s after %s", ids(es), uris(api))
	}
	// It is one of the defaults.
	api = testkit.NewAPI(t, repeating)
	src = pagedSource(t, api, "", "")
	if es, _, err = readAll(t, src, ""); err != nil || ids(es) != "1,2,3" {
		t.Errorf("default strategies: ids %s, err %v", ids(es), err)
	}
}

// not-full-page: a page holding fewer than page_size results is the last.
func TestPagingNotFullPage(t *testing.T) {
	pages := [][]map[string]any{items(1, 2), items(3), items(4, 5)}
	api := pagedAPI(t, pages, func(n, total int) any { return fmt.Sprintf("items?page=%d", n+1) })
	src := pagedSource(t, api, `, "page_size": 2, "next_page_termination_strategy": "not-full-page"`, "")
	es, _, err := readAll(t, src, "")
	if err != nil {
		t.Fatal(err)
	}
	if ids(es) != "1,2,3" || uris(api) != "/items /items?page=2" {
		t.Errorf("ids %s after %s", ids(es), uris(api))
	}
}
