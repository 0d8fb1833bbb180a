package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/internal/testkit"
)

func start(t *testing.T) (*httptest.Server, *testkit.Buffer) {
	t.Helper()
	log := &testkit.Buffer{}
	srv := httptest.NewServer(newAPI("k", log).handler())
	t.Cleanup(srv.Close)
	return srv, log
}

// call sends a request with the key and returns the status and the body.
func call(t *testing.T, method, url, key, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, strings.TrimSpace(string(raw))
}

func TestContacts(t *testing.T) {
	srv, log := start(t)
	u := srv.URL
	for _, c := range []struct {
		method, path, key, body string
		status                  int
		want                    string
	}{
		{"GET", "/contacts", "k", "", 200, `{"results":[{"id":1,"name":"Ada","email":"ada@example.com"},{"id":2,"name":"Grace","email":"grace@example.com"}]}`},
		{"GET", "/contacts", "", "", 401, `{"error":"send the API key as Authorization: Bearer KEY"}`},
		{"GET", "/contacts/1", "wrong", "", 401, `{"error":"send the API key as Authorization: Bearer KEY"}`},
		{"POST", "/contacts", "k", `{"name": "Linus", "email": "linus@example.com"}`, 201, `{"id":3,"name":"Linus","email":"linus@example.com"}`},
		{"POST", "/contacts", "k", `{"name": "Linus", "phone": "1"}`, 400, `{"error":"unknown member \"phone\": a contact has name and email"}`},
		{"POST", "/contacts", "k", `[]`, 400, `{"error":"body is not a JSON object: json: cannot unmarshal array into Go value of type map[string]json.RawMessage"}`},
		{"GET", "/contacts/3", "k", "", 200, `{"id":3,"name":"Linus","email":"linus@example.com"}`},
		{"PATCH", "/contacts/3", "k", `{"id": 3, "email": "linus@kernel.org"}`, 200, `{"id":3,"name":"Linus","email":"linus@kernel.org"}`},
		{"PATCH", "/contacts/3", "k", `{"name": 7}`, 400, `{"error":"name must be a string"}`},
		{"PATCH", "/contacts/9", "k", `{"name": "x"}`, 404, `{"error":"not found"}`},
		{"DELETE", "/contacts/3", "k", "", 204, ``},
		{"DELETE", "/contacts/3", "k", "", 404, `{"error":"not found"}`},
		{"GET", "/contacts/x", "k", "", 404, `{"error":"not found"}`},
		{"GET", "/other", "k", "", 404, `{"error":"no such endpoint"}`},
	} {
		status, body := call(t, c.method, u+c.path, c.key, c.body)
		if status != c.status || body != c.want {
			t.Errorf("%s %s: %d %s, want %d %s", c.method, c.path, status, body, c.status, c.want)
		}
	}
	status, body := call(t, "GET", u+"/_requests", "", "")
	want := strings.Join([]string{
		"GET /contacts 200", "GET /contacts 401", "GET /contacts/1 401", "POST /contacts 201", "POST /contacts 400", "POST /contacts 400",
		"GET /contacts/3 200", "PATCH /contacts/3 200", "PATCH /contacts/3 400", "PATCH /contacts/9 404", "DELETE /contacts/3 204",
		"DELETE /contacts/3 404", "GET /contacts/x 404", "GET /other 404"}, "\n")
	if status != 200 || body != want {
		t.Errorf("/_requests: %d\n%s\nwant\n%s", status, body, want)
	}
	if _, body := call(t, "GET", u+"/_contacts", "", ""); body != `{"results":[{"id":1,"name":"Ada","email":"ada@example.com"},{"id":2,"name":"Grace","email":"grace@example.com"}]}` {
		t.Errorf("/_contacts: %s", body)
	}
	if _, body := call(t, "GET", u+"/_requests", "", ""); body != "" {
		t.Errorf("/_requests again: %q", body)
	}
	if !strings.Contains(log.String(), " DELETE /contacts/3 204 ") {
		t.Errorf("log:\n%s", log.String())
	}
}
