package rest

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/internal/testkit"
)

// Tripletex session tokens: created once with the consumer and employee
// tokens, sent as basic auth with user "0", renewed once they are about
// to expire.
func TestTripletexAuth(t *testing.T) {
	var mu sync.Mutex
	var creates []string
	api := testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		if r.URL.Path == "/v2/token/session/:create" {
			mu.Lock()
			defer mu.Unlock()
			q := r.URL.Query()
			if r.Method != http.MethodPut || q.Get("consumerToken") != "ct" || q.Get("employeeToken") != "et" {
				writeJSON(w, 403, map[string]any{"message": "bad tokens"})
				return
			}
			creates = append(creates, q.Get("expirationDate"))
			writeJSON(w, 200, map[string]any{"value": map[string]any{"token": fmt.Sprintf("session-%d", len(creates))}})
			return
		}
		u, p, _ := r.BasicAuth()
		writeJSON(w, 200, map[string]any{"user": u, "token": p})
	})
	sys := newSystem(t, subst(`{"url_pattern": "$URL/v2/%s", "authentication": "tripletex",
	  "tripletex": {"consumer_token": "ct", "employee_token": "et", "token_url": "$URL/v2/token/session/:create", "ttl": 24},
	  "operations": {"op": {"url": "contact", "method": "GET"}}}`, api.URL))
	clock := time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC)
	sys.auth.(*tripletexAuth).now = func() time.Time { return clock }
	tr := mustTransform(t, sys, `{"system": "api", "operation": "op"}`)
	for range 2 {
		out, err := transform(t, tr, `{"_id": "e"}`)
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, "entity", out, `[{"_id": "e", "response": {"user": "0", "token": "session-1"}}]`)
	}
	// A day later the token's expiry date is less than an hour away.
	clock = clock.Add(23*time.Hour + 30*time.Minute)
	out, err := transform(t, tr, `{"_id": "e"}`)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "entity", out, `[{"_id": "e", "response": {"user": "0", "token": "session-2"}}]`)
	if want := []string{"2026-12-09", "2026-12-10"}; fmt.Sprint(creates) != fmt.Sprint(want) {
		t.Errorf("token requests with expiry dates %v, want %v", creates, want)
	}

	bad := newSystem(t, subst(`{"url_pattern": "$URL/v2/%s", "authentication": "tripletex",
	  "tripletex": {"consumer_token": "ct", "employee_token": "wrong", "token_url": "$URL/v2/token/session/:create"},
	  "operations": {"op": {"url": "contact", "method": "GET"}}}`, api.URL))
	_, err = transform(t, mustTransform(t, bad, `{"system": "api", "operation": "op"}`), `{"_id": "e"}`)
	if err == nil || !strings.Contains(err.Error(), "tripletex session token: the token endpoint answered 403 Forbidden") || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("a refused token request: %v", err)
	}
}
