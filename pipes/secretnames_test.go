package pipes_test

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/builtin"
	"github.com/sluice-sync/sluice/pipes"
)

func TestSecretNames(t *testing.T) {
	for _, name := range []string{"secret", "secrets", "Password", "client_secret", "jwt_token", "access_token", "refresh-token",
		"token", "api_key", "apiKey", "X-Api-Key", "private_key", "aws_secret_access_key", "Authorization", "passphrase", "credentials"} {
		if !pipes.IsSecretName(name) {
			t.Errorf("%q should be a credential name", name)
		}
	}
	for _, name := range []string{"token_url", "url", "header", "username", "client_id", "primary_key", "key", "operation", "authentication", "supports_signalling"} {
		if pipes.IsSecretName(name) {
			t.Errorf("%q is no credential name", name)
		}
	}
	for _, h := range []string{"Authorization", "proxy-authorization", "X-API-Key", "X-Auth-Token", "Cookie", "Ocp-Apim-Subscription-Key"} {
		if !pipes.IsSecretHeader(h) {
			t.Errorf("%q should be a credential header", h)
		}
	}
	for _, h := range []string{"Accept", "Content-Type", "User-Agent", "X-Request-Id"} {
		if pipes.IsSecretHeader(h) {
			t.Errorf("%q is no credential header", h)
		}
	}
}

func TestURLSecrets(t *testing.T) {
	got := pipes.URLSecrets("https://bob:pa%40ss@example.com/x?page=2&api_key=k3y-1&sig=s1g%2B&token={{ t }}&name=joe")
	want := []string{"pa%40ss", "pa@ss", "k3y-1", "s1g%2B", "s1g+"}
	if !slices.Equal(got, want) {
		t.Fatalf("URLSecrets = %q, want %q", got, want)
	}
	if got := pipes.URLSecrets("items/{{ _id }}"); len(got) != 0 {
		t.Fatalf("a URL without credentials: %q", got)
	}
}

// RedactedJSON hides credentials by where they are, keeps everything
// else as written (order included), and stays valid JSON.
func TestRedactedJSON(t *testing.T) {
	src := `{"_id": "p", "type": "pipe",
	  "source": {"type": "http_endpoint", "validation": [{"type": "header", "header": "X-Token", "secret": "s3cret-1"},
	     {"type": "custom", "key": "k3y-2", "keys": ["k3y-3"]}]},
	  "sink": {"type": "webhook", "url": "https://u:pw-4@example.com/in?apikey=k3y-5&x=1", "secrets": ["s3cret-6", "s3cret-7"],
	     "headers": {"Authorization": "Bearer t0ken-8", "Accept": "application/json"}, "password": "", "pin": {"token": 1234}},
	  "key": "not-a-secret", "token_url": "https://example.com/token"}`
	n, err := pipes.Parse("p.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	out := string(n.RedactedJSON())
	if !json.Valid([]byte(out)) {
		t.Fatalf("not JSON: %s", out)
	}
	for _, s := range []string{"s3cret-1", "k3y-2", "k3y-3", "pw-4", "k3y-5", "s3cret-6", "s3cret-7", "t0ken-8", "1234"} {
		if strings.Contains(out, s) {
			t.Errorf("%q is shown: %s", s, out)
		}
	}
	for _, keep := range []string{`"header":"X-Token"`, `"secrets":["***","***"]`, `"Accept":"application/json"`, `"password":""`,
		`"url":"https://u:***@example.com/in?apikey=***&x=1"`, `"key":"not-a-secret"`, `"token_url":"https://example.com/token"`, `"pin":{"token":"***"}`} {
		if !strings.Contains(out, keep) {
			t.Errorf("want %s in %s", keep, out)
		}
	}
	if plain := string(n.JSON()); !strings.Contains(plain, "s3cret-1") {
		t.Fatal("JSON itself is unchanged")
	}
}

// Components, systems and destinations declare the secrets they hold, so
// that Redact hides literal ones in any text (logs, errors).
func TestDeclaredSecretsAreRedacted(t *testing.T) {
	secrets := []string{
		"rest-password-1", base64.StdEncoding.EncodeToString([]byte("acme:rest-password-1")), "eyJ.jwt-token-2",
		"oauth-client-secret-3", "oauth-access-token-4", "oauth-refresh-token-5", "system-header-6", "system-url-key-7",
		"op-param-8", "op-header-9", "source-header-10", "override-secret-11",
		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "sink-header-12",
		"endpoint-secret-13", "whsec_ZGVzdGluYXRpb24tc2VjcmV0LWJ5dGVzLTk4NzY=", "destination-header-14", "destination-url-15",
	}
	dir := writeConfig(t, map[string]string{
		"systems.json": `[
		 {"_id": "basic", "type": "system:rest", "url_pattern": "https://example.com/%s?api_key=system-url-key-7",
		  "authentication": "basic", "username": "acme", "password": "rest-password-1",
		  "headers": {"X-API-Key": "system-header-6"},
		  "operations": {"get": {"url": "items", "method": "GET", "params": {"access_token": "op-param-8"}, "headers": {"Authorization": "op-header-9"}}}},
		 {"_id": "jwt", "type": "system:rest", "base_url": "https://example.com/", "authentication": "jwt", "jwt_token": "eyJ.jwt-token-2"},
		 {"_id": "oauth", "type": "system:rest", "base_url": "https://example.com/", "oauth2": {"client_id": "me",
		  "client_secret": "oauth-client-secret-3", "token_url": "https://example.com/token", "access_token": "oauth-access-token-4",
		  "refresh_token": "oauth-refresh-token-5"}}]`,
		"pipes.json": `[
		 {"_id": "pull", "type": "pipe", "source": {"type": "rest", "system": "basic", "operation": "get",
		   "properties": {"secret": "override-secret-11"},
		   "operations": {"get": {"url": "items", "method": "GET", "headers": {"X-Auth-Token": "source-header-10"}}}}},
		 {"_id": "push", "type": "pipe", "source": {"type": "dataset", "dataset": "pull"},
		  "sink": {"type": "webhook", "url": "https://example.com/in", "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		   "headers": {"Authorization": "sink-header-12"}}},
		 {"_id": "inbox", "type": "pipe", "source": {"type": "http_endpoint",
		  "validation": {"type": "header", "header": "X-Token", "secret": "endpoint-secret-13"}}}]`,
		"notify.json": `{"_id": "ops", "type": "destination", "url": "https://example.com/hook?token=destination-url-15",
		  "secret": "whsec_ZGVzdGluYXRpb24tc2VjcmV0LWJ5dGVzLTk4NzY=", "headers": {"Authorization": "destination-header-14"}}`,
	})
	cfg, err := pipes.Load(dir, pipes.Options{Types: builtin.Registry()})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if got := cfg.Redact("failed with <" + s + ">"); got != "failed with <***>" {
			t.Errorf("Redact(%q) = %q", s, got)
		}
	}
}
