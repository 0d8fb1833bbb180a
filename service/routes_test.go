package service

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A request with the wrong method on a route that exists answers 405 with
// the methods it takes; only a path no route has answers 404. Mounted
// routes (receivers, publishers) count as routes too.
func TestMethodNotAllowed(t *testing.T) {
	svc, _, _ := startService(t, "", map[string]string{"p.json": manualPipes})
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	svc.Mount("POST /api/receivers/{pipe}/entities", ok)
	svc.Mount("GET /api/publishers/{pipe}/entities", ok)
	srv := httptest.NewServer(svc.Handler())
	defer srv.Close()
	for _, tc := range []struct {
		method, path string
		code         int
		allow        string
	}{
		{"GET", "/api/pipes/src/pump", 405, "POST"},
		{"DELETE", "/api/pipes", 405, "GET, HEAD"},
		{"POST", "/api/datasets/src/entities", 405, "GET, HEAD"},
		{"GET", "/api/config/reload", 405, "POST"},
		{"GET", "/api/receivers/src/entities", 405, "POST"},
		{"PUT", "/api/publishers/src/entities", 405, "GET, HEAD"},
		{"POST", "/metrics", 405, "GET, HEAD"},
		{"GET", "/api/nothing", 404, ""},
		{"POST", "/api/pipes/src/nothing", 404, ""},
		{"POST", "/api/receivers/src/entities", 204, ""},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body strings.Builder
		buf := make([]byte, 4096)
		n, _ := resp.Body.Read(buf)
		body.Write(buf[:n])
		resp.Body.Close()
		if resp.StatusCode != tc.code || resp.Header.Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d Allow %q %s; want %d Allow %q", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Allow"), body.String(), tc.code, tc.allow)
			continue
		}
		switch tc.code {
		case 405:
			if !strings.Contains(body.String(), `"status":405`) || !strings.Contains(body.String(), tc.allow) {
				t.Errorf("%s %s: the error body should name the allowed methods: %s", tc.method, tc.path, body.String())
			}
		case 404:
			if !strings.Contains(body.String(), `"status":404`) {
				t.Errorf("%s %s: %s", tc.method, tc.path, body.String())
			}
		}
	}
}
