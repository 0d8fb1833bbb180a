package rest

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/internal/testkit"
)

// authHeaders runs n requests against an API that records the
// Authorization header, with the system settings auth.
func authHeaders(t *testing.T, auth string, n int, between time.Duration) ([]string, error) {
	t.Helper()
	api := testkit.NewAPI(t, nil)
	sys := newSystem(t, subst(`{"url_pattern": "$URL/%s", `+auth+`, "operations": {"op": {"url": "x", "method": "GET"}}}`, api.URL))
	tr := mustTransform(t, sys, `{"system": "api", "operation": "op"}`)
	for i := range n {
		if i > 0 {
			time.Sleep(between)
		}
		if _, err := transform(t, tr, `{"_id": "e"}`); err != nil {
			return nil, err
		}
	}
	var out []string
	for _, r := range api.Requests() {
		out = append(out, r.Header.Get("Authorization"))
	}
	return out, nil
}

func TestBasicAuth(t *testing.T) {
	api := testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		u, p, ok := r.BasicAuth()
		if !ok || u != "ann" || p != "s3cr:et" {
			writeJSON(w, 401, map[string]any{"error": "who are you"})
			return
		}
		writeJSON(w, 200, map[string]any{"user": u})
	})
	sys := newSystem(t, subst(`{"url_pattern": "$URL/%s", "authentication": "basic", "username": "ann", "password": "s3cr:et", "operations": {"op": {"url": "x", "method": "GET"}}}`, api.URL))
	tr := mustTransform(t, sys, `{"system": "api", "operation": "op"}`)
	out, err := transform(t, tr, `{"_id": "e"}`)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "entity", out, `[{"_id": "e", "response": {"user": "ann"}}]`)
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("ann:s3cr:et"))
	if got := api.Last(t).Header.Get("Authorization"); got != want {
		t.Errorf("Authorization %q, want %q", got, want)
	}
}

func TestBearerAuth(t *testing.T) {
	for _, scheme := range []string{"jwt", "bearer"} {
		got, err := authHeaders(t, `"authentication": "`+scheme+`", "jwt_token": "eyJ.abc.def"`, 2, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0] != "Bearer eyJ.abc.def" || got[1] != got[0] {
			t.Errorf("%s: Authorization %q", scheme, got)
		}
	}
	got, err := authHeaders(t, `"headers": {"X-A": "b"}`, 1, 0)
	if err != nil || got[0] != "" {
		t.Errorf("no authentication: %q %v", got, err)
	}
}

// tokenServer is an OAuth2 token endpoint that hands out tok-1, tok-2, …
// valid for expiresIn seconds.
type tokenServer struct {
	*testkit.API
	mu        sync.Mutex
	issued    int
	expiresIn int
	forms     []url.Values
	basic     []string
}

func newTokenServer(t *testing.T, expiresIn int) *tokenServer {
	ts := &tokenServer{expiresIn: expiresIn}
	ts.API = testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, body string) {
		form, _ := url.ParseQuery(body)
		ts.mu.Lock()
		defer ts.mu.Unlock()
		u, p, _ := r.BasicAuth()
		ts.forms = append(ts.forms, form)
		ts.basic = append(ts.basic, u+":"+p)
		id, secret := form.Get("client_id"), form.Get("client_secret")
		if u != "" {
			id, secret = u, p
		}
		if id != "cid" || secret != "csecret" {
			writeJSON(w, 401, map[string]any{"error": "invalid_client"})
			return
		}
		if form.Get("grant_type") == "refresh_token" && form.Get("refresh_token") != fmt.Sprintf("r%d", ts.issued) {
			writeJSON(w, 400, map[string]any{"error": "invalid_grant", "error_description": "refresh token " + form.Get("refresh_token")})
			return
		}
		ts.issued++
		writeJSON(w, 200, map[string]any{"access_token": fmt.Sprintf("tok-%d", ts.issued), "token_type": "bearer",
			"expires_in": ts.expiresIn, "refresh_token": fmt.Sprintf("r%d", ts.issued)})
	})
	return ts
}

func (ts *tokenServer) count() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.issued
}

func TestOAuth2ClientCredentials(t *testing.T) {
	ts := newTokenServer(t, 3600)
	got, err := authHeaders(t, subst(`"oauth2": {"client_id": "cid", "client_secret": "csecret", "token_url": "$URL/token", "scope": ["read", "write"], "extra": {"audience": "acme"}}`, ts.URL), 3, 0)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[Bearer tok-1 Bearer tok-1 Bearer tok-1]" {
		t.Errorf("Authorization %q", got)
	}
	if ts.Count() != 1 {
		t.Errorf("%d tokens fetched for 3 requests, want 1", ts.Count())
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	f := ts.forms[len(ts.forms)-1]
	if f.Get("grant_type") != "client_credentials" || f.Get("scope") != "read write" || f.Get("audience") != "acme" {
		t.Errorf("token request %v", f)
	}
	if r := ts.Last(t); r.Method != "POST" || r.EscapedPath != "/token" {
		t.Errorf("token request %s %s", r.Method, r.EscapedPath)
	}
}

// TestOAuth2TokenExpiry: a token is renewed refresh_window seconds before
// it expires; without refresh_window that is 30 seconds.
func TestOAuth2TokenExpiry(t *testing.T) {
	// expires_in 2 with refresh_window 1: valid for about a second.
	ts := newTokenServer(t, 2)
	got, err := authHeaders(t, subst(`"oauth2": {"client_id": "cid", "client_secret": "csecret", "token_url": "$URL/token", "refresh_window": 1}`, ts.URL), 3, 600*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[Bearer tok-1 Bearer tok-1 Bearer tok-2]" {
		t.Errorf("refresh_window 1, expires_in 2, requests 0.6 s apart: Authorization %q", got)
	}

	// The default window is 30 s: expires_in 31 is good for a second.
	ts = newTokenServer(t, 31)
	got, err = authHeaders(t, subst(`"oauth2": {"client_id": "cid", "client_secret": "csecret", "token_url": "$URL/token"}`, ts.URL), 3, 600*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[Bearer tok-1 Bearer tok-1 Bearer tok-2]" {
		t.Errorf("default window, expires_in 31: Authorization %q", got)
	}

	// A token that expires within the window is fetched for every request.
	ts = newTokenServer(t, 5)
	got, err = authHeaders(t, subst(`"oauth2": {"client_id": "cid", "client_secret": "csecret", "token_url": "$URL/token", "refresh_window": 0}`, ts.URL), 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[Bearer tok-1 Bearer tok-2]" {
		t.Errorf("expires_in 5 inside the default window: Authorization %q", got)
	}
}

func TestOAuth2RefreshToken(t *testing.T) {
	ts := newTokenServer(t, 31)
	ts.issued = 0 // the configured refresh token is r0
	got, err := authHeaders(t, subst(`"oauth2": {"client_id": "cid", "client_secret": "csecret", "token_url": "$URL/token", "refresh_token": "r0"}`, ts.URL), 3, 600*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[Bearer tok-1 Bearer tok-1 Bearer tok-2]" {
		t.Errorf("Authorization %q", got)
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if len(ts.forms) != 2 {
		t.Fatalf("%d token requests", len(ts.forms))
	}
	for i, f := range ts.forms {
		if f.Get("grant_type") != "refresh_token" || f.Get("refresh_token") != fmt.Sprintf("r%d", i) {
			t.Errorf("token request %d: %v (the second must use the rotated refresh token)", i, f)
		}
	}
}

func TestOAuth2ConfiguredAccessToken(t *testing.T) {
	ts := newTokenServer(t, 31)
	got, err := authHeaders(t, subst(`"oauth2": {"client_id": "cid", "client_secret": "csecret", "token_url": "$URL/token", "refresh_token": "r0", "access_token": "given"}`, ts.URL), 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[Bearer given Bearer given]" || ts.Count() != 0 {
		t.Errorf("Authorization %q after %d token requests", got, ts.Count())
	}
}

func TestOAuth2TokenFailure(t *testing.T) {
	ts := newTokenServer(t, 60)
	_, err := authHeaders(t, subst(`"oauth2": {"client_id": "cid", "client_secret": "wrong", "token_url": "$URL/token"}`, ts.URL), 1, 0)
	if err == nil {
		t.Fatal("a refused token request passed")
	}
	mustContain(t, "error", err.Error(), "operation op", "authentication", "invalid_client")
}
