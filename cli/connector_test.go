package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConnectorExpand(t *testing.T) {
	wave := filepath.Join("..", "connector", "testdata", "wave", "connector")
	bad := t.TempDir()
	for name, text := range map[string]string{
		"manifest.json":          `{"datatypes": {"contact": {"template": "templates/contact.json"}}}`,
		"templates/contact.json": "{\n  \"_id\": \"{{@ system @}}-{{@ foo @}}\",\n  \"type\": \"pipe\"\n}",
	} {
		if err := os.MkdirAll(filepath.Join(bad, "templates"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(bad, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "wave-config")
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		out, err string
	}{
		{"expands", []string{wave, "--system", "wave", "--out", out}, 0,
			out + ": 15 pipes, 1 system\nenvironment variables it reads: account_id, token_url\n" +
				"secrets it reads (SLUICE_SECRET_<name> or --secrets FILE): oauth_access_token, oauth_client_id, oauth_client_secret, oauth_refresh_token\n", ""},
		{"again, over the earlier expansion", []string{wave, "--system", "wave", "--out", out, "--param", "token_url=https://example.com/token"}, 0,
			out + ": 15 pipes, 1 system\nenvironment variables it reads: account_id\n" +
				"secrets it reads (SLUICE_SECRET_<name> or --secrets FILE): oauth_access_token, oauth_client_id, oauth_client_secret, oauth_refresh_token\n", ""},
		{"placeholder without a value", []string{bad, "--system", "s", "--out", filepath.Join(t.TempDir(), "x")}, 1, "",
			filepath.ToSlash(filepath.Join(bad, "templates", "contact.json")) + `:2:26: unknown placeholder "foo" for datatype "contact"`},
		{"no --system", []string{wave}, 2, "", "--system ID is required"},
		{"bad --system", []string{wave, "--system", "a/b"}, 2, "", `--system "a/b": an _id cannot contain / or \`},
		{"--param without =", []string{wave, "--system", "w", "--param", "token_url"}, 2, "", `--param "token_url": expected NAME=VALUE`},
		{"unknown --param", []string{wave, "--system", "w", "--param", "tokenurl=x"}, 2, "",
			`sluice: --param tokenurl=x: the connector has no parameter "tokenurl" (did you mean "token_url"?) (it has account_id, token_url)`},
		{"no folder", []string{filepath.Join(bad, "nope"), "--system", "w"}, 1, "", "manifest.json: no such file"},
		{"no DIR", []string{"--system", "w"}, 2, "", "accepts 1 arg(s), received 0"},
	} {
		code, stdout, stderr := sluiceIn(t, "", append([]string{"connector", "expand"}, tc.args...)...)
		if code != tc.code || stdout != tc.out || !strings.Contains(stderr, tc.err) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr with %q", tc.name, code, stdout, stderr, tc.code, tc.out, tc.err)
		}
	}
	b, err := os.ReadFile(filepath.Join(out, "systems", "wave.conf.json"))
	if err != nil || !strings.Contains(string(b), `"token_url": "https://example.com/token"`) {
		t.Errorf("the --param value is not in the system: %v\n%s", err, b)
	}

	// Without --out, the config goes where sesam-py puts it: DIR/.expanded.
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(wave)); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := sluiceIn(t, "", "connector", "expand", dir, "--system", "wave"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, ".expanded", "pipes", "wave-customer-share.conf.json")); err != nil {
		t.Error(err)
	}
}
