package urlsys

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/component"
)

func TestSystemValidate(t *testing.T) {
	for _, c := range []struct{ js, want string }{
		{`{}`, `needs "url_pattern"`},
		{`{"url_pattern": "http://a/%s", "base_url": "http://a/"}`, `not both`},
		{`{"url_pattern": "ftp://a/%s"}`, `not an http:// or https:// URL`},
		{`{"base_url": "/relative"}`, `not an http:// or https:// URL`},
		{`{"url_pattern": "http://a/", "authentication": "ntlm", "username": "u", "password": "p"}`, `authentication "ntlm" is not supported by sluice`},
		{`{"url_pattern": "http://a/", "authentication": "tripletex"}`, `authentication "tripletex" is not supported`},
		{`{"url_pattern": "http://a/", "authentication": "Basic"}`, `authentication must be "basic", "digest" or "jwt", not "Basic"`},
		{`{"url_pattern": "http://a/", "authentication": "digest", "username": "u"}`, `needs "password"`},
		{`{"url_pattern": "http://a/", "authentication": "basic"}`, `needs "username" and "password"`},
		{`{"url_pattern": "http://a/", "authentication": "jwt"}`, `needs "jwt_token"`},
		{`{"url_pattern": "http://a/", "jwt_token": "t", "oauth2": {"client_id": "c", "token_url": "http://t/"}}`, `cannot be combined`},
		{`{"url_pattern": "http://a/", "verify_ssl": true, "custom_ca_pem_chain": "nope"}`, `holds no PEM certificate`},
		{`{"url_pattern": "http://a/", "proxies": {"http": "ftp://p:1"}}`, `must be http, https or socks5`},
		{`{"url_pattern": "http://a/", "read_timeout": -1}`, `cannot be negative`},
		{`{"url_pattern": "http://a/", "username": 5}`, `expected a string or null`},
	} {
		_, errs := systemConfig(t, c.js)
		if !errs.HasErrors() || !strings.Contains(errs.Error(), c.want) {
			t.Errorf("%s: want an error with %q, got %v", c.js, c.want, errs)
		}
	}
	// Sesam's prototype writes null credentials.
	if _, errs := systemConfig(t, `{"url_pattern": "http://a/%s", "username": null, "password": null, "jwt_token": null}`); errs.HasErrors() {
		t.Fatalf("null credentials: %v", errs)
	}
}

// TestSystemConfigErrorsArePositioned loads a folder: a refused
// authentication names its file, line and property; Sesam's keys without
// effect warn.
func TestSystemConfigErrorsArePositioned(t *testing.T) {
	_, err := loadConfig(t, registry(), map[string]string{"systems.json": `[
  {"_id": "a", "type": "system:url", "url_pattern": "http://a/%s",
   "authentication": "ntlm", "username": "u", "password": "p"}
]`})
	if err == nil || !strings.Contains(err.Error(), "systems.json:3:") || !strings.Contains(err.Error(), `"ntlm" is not supported`) {
		t.Fatalf("want a positioned refusal of ntlm, got %v", err)
	}
	cfg, err := loadConfig(t, registry(), map[string]string{"systems.json": `[
  {"_id": "a", "type": "system:url", "url_pattern": "http://a/%s", "retry_strategy": {"default": {"read_retry_delay": 1}},
   "tripletex": {}, "ignore_invalid_content_length_response_header": true}
]`})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(cfg.Warnings)
	for _, k := range []string{"retry_strategy", "tripletex", "ignore_invalid_content_length_response_header"} {
		if !strings.Contains(got, `property "`+k+`" is accepted for Sesam compatibility but has no effect`) {
			t.Errorf("no warning for %s in %s", k, got)
		}
	}
}

func TestSystemURL(t *testing.T) {
	for _, c := range []struct{ sys, rel, want string }{
		{`{"url_pattern": "http://h/api/%s?x=1"}`, "entities", "http://h/api/entities?x=1"},
		{`{"url_pattern": "http://h/api/"}`, "entities", "http://h/api/entities"},
		{`{"url_pattern": "http://h/api/"}`, "https://other/x", "https://other/x"},
		{`{"base_url": "http://h/files/"}`, "test.json", "http://h/files/test.json"},
		{`{"base_url": "http://h/files"}`, "test.json", "http://h/test.json"}, // as urljoin: mind the slash
		{`{"base_url": "http://h/files/"}`, "/root.json", "http://h/root.json"},
		{`{"base_url": "http://h/files/"}`, "sub/a.json?since=3", "http://h/files/sub/a.json?since=3"},
	} {
		got, err := newSystem(t, c.sys).URL(c.rel)
		if err != nil || got != c.want {
			t.Errorf("%s + %q: got %q, %v; want %q", c.sys, c.rel, got, err, c.want)
		}
	}
	own, _, err := systemFor(component.Env{}, "")
	if err != nil {
		t.Fatal(err)
	}
	defer own.Close(t.Context())
	if _, err := own.URL("entities"); err == nil || !strings.Contains(err.Error(), "not an absolute") {
		t.Errorf("a relative URL without a system: %v", err)
	}
}

// echo answers with the request's headers as JSON.
func echo(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(r.Header)
}

func get(t *testing.T, sys *System, u string, header http.Header) (int, http.Header) {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := sys.Do(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h http.Header
	if resp.StatusCode == 200 {
		if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode, h
}

func TestSystemHeadersAndAuthentication(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(echo))
	defer srv.Close()

	sys := newSystem(t, subst(`{"url_pattern": "$URL/%s", "headers": {"X-A": "a", "X-B": "b", "Authorization": "Token nope"},
	  "authentication": "jwt", "jwt_token": "tok"}`, srv.URL))
	_, h := get(t, sys, srv.URL+"/x", http.Header{"X-B": {"mine"}})
	if h.Get("X-A") != "a" || h.Get("X-B") != "mine" || h.Get("Authorization") != "Bearer tok" {
		t.Errorf("jwt: the system's headers are defaults and the token replaces Authorization: %v", h)
	}

	sys = newSystem(t, subst(`{"url_pattern": "$URL/%s", "authentication": "basic", "username": "u", "password": "p"}`, srv.URL))
	if _, h := get(t, sys, srv.URL, nil); h.Get("Authorization") != "Basic dTpw" {
		t.Errorf("basic: %v", h)
	}
	// Username and password without authentication do nothing, as in Sesam.
	sys = newSystem(t, subst(`{"url_pattern": "$URL/%s", "username": "u", "password": "p"}`, srv.URL))
	if _, h := get(t, sys, srv.URL, nil); h.Get("Authorization") != "" {
		t.Errorf("no authentication: %v", h)
	}
}

// TestSystemCredentialsStayWithTheHost: a redirect to another host
// carries neither the authentication nor credential headers.
func TestSystemCredentialsStayWithTheHost(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(echo))
	defer other.Close()
	// The same server under another name: 127.0.0.1 and localhost.
	otherURL := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
	home := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/away" {
			http.Redirect(w, r, otherURL+"/landed", http.StatusFound)
			return
		}
		echo(w, r)
	}))
	defer home.Close()
	sys := newSystem(t, subst(`{"url_pattern": "$URL/%s", "headers": {"X-Api-Key": "k", "X-Plain": "p"},
	  "authentication": "basic", "username": "u", "password": "p"}`, home.URL))
	if _, h := get(t, sys, home.URL+"/here", nil); h.Get("Authorization") == "" || h.Get("X-Api-Key") != "k" {
		t.Fatalf("same host: %v", h)
	}
	_, h := get(t, sys, home.URL+"/away", nil)
	if h.Get("Authorization") != "" || h.Get("X-Api-Key") != "" || h.Get("X-Plain") != "p" {
		t.Fatalf("redirected to another host: %v", h)
	}
}

// digestServer checks RFC 2617 digest credentials (MD5, qop=auth) the way
// a server does, independently of the client library.
func digestServer(t *testing.T, user, password string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	const realm, nonce = "sluice-test", "dcd98b7102dd2f0e8b11d0f600bfb0c093"
	var challenges atomic.Int32
	h := func(s string) string { sum := md5.Sum([]byte(s)); return hex.EncodeToString(sum[:]) }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		p := parseDigest(r.Header.Get("Authorization"))
		ha1 := h(user + ":" + realm + ":" + password)
		ha2 := h(r.Method + ":" + p["uri"])
		want := h(ha1 + ":" + nonce + ":" + p["nc"] + ":" + p["cnonce"] + ":auth:" + ha2)
		if p == nil || p["username"] != user || p["nonce"] != nonce || p["uri"] != r.URL.RequestURI() || p["response"] != want {
			challenges.Add(1)
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Digest realm=%q, qop="auth", nonce=%q, algorithm=MD5`, realm, nonce))
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, `{"ok": true, "body": %q}`, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &challenges
}

func parseDigest(h string) map[string]string {
	rest, ok := strings.CutPrefix(h, "Digest ")
	if !ok {
		return nil
	}
	out := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		out[k] = strings.Trim(v, `"`)
	}
	return out
}

func TestSystemDigest(t *testing.T) {
	srv, challenges := digestServer(t, "ada", "s3cret")
	sys := newSystem(t, subst(`{"url_pattern": "$URL/%s", "authentication": "digest", "username": "ada", "password": "s3cret"}`, srv.URL))
	for i := range 3 {
		req, _ := http.NewRequest("POST", srv.URL+"/entities?n="+fmt.Sprint(i), strings.NewReader(`[{"_id": "a"}]`))
		resp, err := sys.Do(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), `_id`) {
			t.Fatalf("request %d: %d %s", i, resp.StatusCode, b)
		}
	}
	if n := challenges.Load(); n != 1 {
		t.Errorf("the challenge should be answered once and reused: %d challenges", n)
	}
	bad := newSystem(t, subst(`{"url_pattern": "$URL/%s", "authentication": "digest", "username": "ada", "password": "wrong"}`, srv.URL))
	if code, _ := get(t, bad, srv.URL+"/x", nil); code != 401 {
		t.Errorf("a wrong password: %d", code)
	}
}

func TestSystemOAuth2(t *testing.T) {
	var tokens atomic.Int32
	tokenSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if r.Form.Get("grant_type") != "client_credentials" || r.Form.Get("audience") != "api" {
			http.Error(w, "bad grant", 400)
			return
		}
		tokens.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token": "at-1", "token_type": "bearer", "expires_in": 3600}`)
	}))
	defer tokenSrv.Close()
	api := httptest.NewServer(http.HandlerFunc(echo))
	defer api.Close()
	sys := newSystem(t, subst(`{"url_pattern": "`+api.URL+`/%s", "oauth2": {"client_id": "c", "client_secret": "s", "token_url": "$URL/token", "extra": {"audience": "api"}}}`, tokenSrv.URL))
	for range 2 {
		if _, h := get(t, sys, api.URL, nil); h.Get("Authorization") != "Bearer at-1" {
			t.Fatalf("oauth2: %v", h)
		}
	}
	if tokens.Load() != 1 {
		t.Errorf("the token should be reused: %d token requests", tokens.Load())
	}
}

func TestSystemTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(echo))
	defer srv.Close()
	ca := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	caJSON, _ := json.Marshal(ca)

	// Sesam's default: no verification.
	if code, _ := get(t, newSystem(t, subst(`{"url_pattern": "$URL/%s"}`, srv.URL)), srv.URL, nil); code != 200 {
		t.Errorf("verify_ssl false: %d", code)
	}
	verified := newSystem(t, subst(`{"url_pattern": "$URL/%s", "verify_ssl": true}`, srv.URL))
	req, _ := http.NewRequest("GET", srv.URL, nil)
	if _, err := verified.Do(t.Context(), req); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("verify_ssl without the CA: %v", err)
	}
	pinned := newSystem(t, subst(`{"url_pattern": "$URL/%s", "verify_ssl": true, "custom_ca_pem_chain": `+string(caJSON)+`}`, srv.URL))
	if code, _ := get(t, pinned, srv.URL, nil); code != 200 {
		t.Errorf("verify_ssl with custom_ca_pem_chain: %d", code)
	}
}

func TestSystemProxies(t *testing.T) {
	var proxied atomic.Value
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxied.Store(r.URL.String()) // a proxy gets the absolute URL
		echo(w, r)
	}))
	defer proxy.Close()
	sys := newSystem(t, subst(`{"url_pattern": "http://api.invalid/%s", "proxies": {"http": "$URL", "https://api.invalid": "socks5://127.0.0.1:1"}}`, proxy.URL))
	u, err := sys.URL("x?y=1")
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := get(t, sys, u, nil); code != 200 || proxied.Load() != "http://api.invalid/x?y=1" {
		t.Fatalf("through the proxy: %d %v", code, proxied.Load())
	}
	p, _ := parseProxies(map[string]string{"http": "http://p1:1", "http://a.example": "http://p2:1", "all": "http://p3:1"})
	for _, c := range []struct{ u, want string }{
		{"http://a.example/x", "p2:1"}, {"http://b.example/", "p1:1"}, {"https://b.example/", "p3:1"},
	} {
		r, _ := http.NewRequest("GET", c.u, nil)
		got, _ := p.forRequest(r)
		if got == nil || got.Host != c.want {
			t.Errorf("%s: proxy %v, want %s", c.u, got, c.want)
		}
	}
}

func TestSystemDoRetry(t *testing.T) {
	defer func(d time.Duration) { firstBackoff = d }(firstBackoff)
	firstBackoff = time.Millisecond
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n := calls.Add(1); {
		case n == 1:
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(503)
		case n == 2:
			w.WriteHeader(502)
		case r.URL.Path == "/bad":
			w.WriteHeader(400)
		default:
			fmt.Fprint(w, "ok")
		}
	}))
	defer srv.Close()
	sys := newSystem(t, subst(`{"url_pattern": "$URL/%s", "retries": 2}`, srv.URL))
	do := func(path string) *http.Response {
		resp, err := sys.DoRetry(t.Context(), func() (*http.Request, error) { return http.NewRequest("GET", srv.URL+path, nil) })
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := do("/"); resp.StatusCode != 200 || calls.Load() != 3 {
		t.Fatalf("503 and 502 are retried: %d after %d calls", resp.StatusCode, calls.Load())
	}
	if resp := do("/bad"); resp.StatusCode != 400 || calls.Load() != 4 {
		t.Fatalf("400 is not retried: %d after %d calls", resp.StatusCode, calls.Load())
	}
	calls.Store(0)
	sys1 := newSystem(t, subst(`{"url_pattern": "$URL/%s", "retries": 1}`, srv.URL))
	resp, err := sys1.DoRetry(t.Context(), func() (*http.Request, error) { return http.NewRequest("GET", srv.URL, nil) })
	if err != nil || resp.StatusCode != 502 {
		t.Fatalf("retries spent: the last answer is returned: %v %v", resp, err)
	}
	resp.Body.Close()

	// A server that is not there: dialing fails, is retried, and the error says where.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	start := time.Now()
	_, err = sys.DoRetry(t.Context(), func() (*http.Request, error) { return http.NewRequest("GET", "http://"+addr+"/", nil) })
	if err == nil || !strings.Contains(err.Error(), addr) {
		t.Fatalf("no server: %v", err)
	}
	if time.Since(start) < 3*time.Millisecond {
		t.Errorf("the connection failure was not retried with backoff")
	}
}

// TestSystemReadTimeout: an answer that stops coming fails within
// read_timeout, between reads of the body as well as before the headers.
func TestSystemReadTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/headers" {
			<-release
			return
		}
		w.WriteHeader(200)
		fmt.Fprint(w, "[")
		w.(http.Flusher).Flush()
		<-release
	}))
	defer srv.Close()
	defer close(release) // before Close, which waits for the handlers
	sys := newSystem(t, subst(`{"url_pattern": "$URL/%s", "read_timeout": 0.2, "retries": 0}`, srv.URL))
	for _, path := range []string{"/headers", "/body"} {
		start := time.Now()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		resp, err := sys.Do(t.Context(), req)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		if err == nil || time.Since(start) > 5*time.Second {
			t.Errorf("%s: want a timeout, got %v after %v", path, err, time.Since(start))
		}
	}
}

func TestSystemSecrets(t *testing.T) {
	cfg, errs := systemConfig(t, `{"url_pattern": "https://u:pw@h/%s?api_key=k1", "authentication": "basic", "username": "u", "password": "p",
	  "headers": {"X-Api-Key": "k2", "Accept": "application/json"}, "proxies": {"https": "socks5://pu:ppw@proxy:1080"}}`)
	if errs.HasErrors() {
		t.Fatal(errs)
	}
	got := strings.Join(cfg.ConfigSecrets(), " ")
	for _, s := range []string{"p", "dTpw", "pw", "k1", "k2", "ppw"} {
		if !strings.Contains(" "+got+" ", " "+s+" ") {
			t.Errorf("secrets %q lack %q", got, s)
		}
	}
	if strings.Contains(got, "application/json") {
		t.Errorf("a plain header is no secret: %q", got)
	}
	if u := redactURL("socks5://pu:ppw@proxy:1080"); strings.Contains(u, "ppw") {
		t.Errorf("redactURL: %s", u)
	}
}
