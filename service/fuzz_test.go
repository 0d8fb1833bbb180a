package service

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzPumpRequest: any body and content type gives the operation's
// parameters or an error, never a panic; a JSON body that is accepted
// was one object.
func FuzzPumpRequest(f *testing.F) {
	f.Add("application/json", `{"operation": "start", "wait": true}`)
	f.Add("application/json", `{"operation": "enable"} {"operation": "disable"}`)
	f.Add("application/json", `{"operation": "a", "operation": "b"}`)
	f.Add("application/x-www-form-urlencoded", "operation=update-last-seen&last-seen=3")
	f.Add("multipart/form-data; boundary=x", "--x\r\n")
	f.Add("text/plain", "operation=start")
	f.Fuzz(func(t *testing.T, contentType, body string) {
		r := httptest.NewRequest(http.MethodPost, "/api/pipes/p/pump", strings.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		out, err := pumpRequest(r)
		if err == nil && out == nil {
			t.Fatal("no parameters and no error")
		}
		if err == nil && strings.HasPrefix(contentType, "application/json") && !strings.HasPrefix(strings.TrimSpace(body), "{") {
			t.Fatalf("a JSON body that is not an object was taken: %q", body)
		}
	})
}
