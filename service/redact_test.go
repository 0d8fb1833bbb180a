package service

import (
	"encoding/base64"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/builtin"
	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/pipes"
)

// Every secret written literally in a config — in pipe components, in
// systems and in destinations — is hidden in everything the API shows
// and in the logs.
func TestLiteralSecretsAreRedacted(t *testing.T) {
	secrets := map[string]string{
		"webhook sink secret":    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		"webhook sink header":    "Bearer sink-header-0f3a9c",
		"validation header":      "endpoint-header-secret-77ab",
		"validation hmac":        "endpoint-hmac-secret-91cd",
		"validation swh":         "whsec_c3RhbmRhcmQtd2ViaG9va3Mta2V5LTEyMzQ1Ng==",
		"rest password":          "rest-password-5e1f",
		"rest api key header":    "rest-api-key-header-2b7d",
		"rest url key":           "rest-url-key-8c4e",
		"oauth client secret":    "oauth-client-secret-3a6b",
		"oauth refresh token":    "oauth-refresh-token-7d2c",
		"jwt":                    "eyJhbGciOiJIUzI1NiJ9.jwt-body-4f8a",
		"operation param":        "operation-param-key-6e3b",
		"source header":          "source-auth-header-9a1f",
		"destination secret":     "whsec_ZGVzdGluYXRpb24tc2VjcmV0LWJ5dGVzLTk4NzY=",
		"destination header":     "destination-header-4c2d",
		"destination url token":  "destination-url-token-1b5e",
		"custom password":        "custom-password-0d9c",
		"basic auth credentials": base64.StdEncoding.EncodeToString([]byte("acme:rest-password-5e1f")),
	}
	files := map[string]string{
		"systems.json": `[
		 {"_id": "basic-api", "type": "system:rest", "url_pattern": "http://127.0.0.1:1/%s?api_key=` + secrets["rest url key"] + `",
		  "connection_retries": 0, "authentication": "basic", "username": "acme", "password": "` + secrets["rest password"] + `",
		  "headers": {"X-API-Key": "` + secrets["rest api key header"] + `", "Accept": "application/json"},
		  "operations": {"get": {"url": "items", "method": "GET", "params": {"api_key": "` + secrets["operation param"] + `"}}}},
		 {"_id": "oauth-api", "type": "system:rest", "base_url": "http://127.0.0.1:1/",
		  "oauth2": {"client_id": "me", "client_secret": "` + secrets["oauth client secret"] + `", "token_url": "http://127.0.0.1:1/token",
		    "refresh_token": "` + secrets["oauth refresh token"] + `"}},
		 {"_id": "jwt-api", "type": "system:rest", "base_url": "http://127.0.0.1:1/", "authentication": "jwt", "jwt_token": "` + secrets["jwt"] + `"}
		]`,
		"pipes.json": `[
		 {"_id": "pull", "type": "pipe", "pump": {"mode": "manual"},
		  "source": {"type": "rest", "system": "basic-api", "operation": "get",
		    "operations": {"get": {"url": "items", "method": "GET", "headers": {"Authorization": "` + secrets["source header"] + `"}}}},
		  "metadata": {"password": "` + secrets["custom password"] + `"}},
		 {"_id": "push", "type": "pipe", "pump": {"mode": "manual"},
		  "source": {"type": "dataset", "dataset": "pull"},
		  "sink": {"type": "webhook", "url": "http://127.0.0.1:1/in", "secret": "` + secrets["webhook sink secret"] + `",
		    "headers": {"Authorization": "` + secrets["webhook sink header"] + `"}}},
		 {"_id": "inbox", "type": "pipe",
		  "source": {"type": "http_endpoint", "validation": [
		    {"type": "header", "header": "X-Token", "secret": "` + secrets["validation header"] + `"},
		    {"type": "hmac", "header": "X-Signature", "secret": "` + secrets["validation hmac"] + `"},
		    {"type": "standard-webhooks", "secret": "` + secrets["validation swh"] + `"}]}}
		]`,
		"notify.json": `[
		 {"_id": "ops", "type": "destination", "url": "http://127.0.0.1:1/hooks?token=` + secrets["destination url token"] + `",
		  "secret": "` + secrets["destination secret"] + `", "headers": {"Authorization": "` + secrets["destination header"] + `"}},
		 {"_id": "all", "type": "subscription", "events": ["*"], "destinations": ["ops"]}
		]`,
	}
	dir := testkit.ConfigDir(t, files)
	st := testkit.OpenStore(t)
	var logs testkit.Buffer
	reg := builtin.Registry()
	svc, err := New(Options{Store: st, Registry: reg, Logger: logs.Logger(),
		Load: func() (*pipes.Config, error) { return pipes.Load(dir, pipes.Options{Types: reg}) }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc.Handler())
	defer func() {
		srv.Close()
		svc.Stop()
	}()

	var shown strings.Builder
	get := func(method, path, body string) {
		t.Helper()
		code, resp := call(t, method, srv.URL+path, body)
		if code == 500 {
			t.Fatalf("%s %s: %d %s", method, path, code, resp)
		}
		shown.WriteString(path + " → " + resp + "\n")
	}
	// A run that fails on a URL with a key in it, and its notification.
	get("POST", "/api/pipes/pull/pump", "operation=start&wait=true")
	for _, path := range []string{"/api/pipes", "/api/pipes/pull", "/api/pipes/push", "/api/pipes/inbox", "/api/destinations"} {
		get("GET", path, "")
	}
	get("POST", "/api/destinations/ops/test", "")
	svc.drainNotifications(0)
	out := shown.String() + logs.String()
	for what, secret := range secrets {
		if strings.Contains(out, secret) {
			t.Errorf("the %s %q is shown", what, secret)
		}
	}
	if t.Failed() {
		t.Log(out)
	}
	// What is not secret stays, and what is hidden shows as hidden.
	for _, want := range []string{`"secret":"***"`, `"Authorization":"***"`, `"header":"X-Token"`, `"operation":"get"`, `"password":"***"`, `"url":"http://127.0.0.1:1/in"`} {
		if !strings.Contains(out, want) {
			t.Errorf("the API should show %s", want)
		}
	}
}
