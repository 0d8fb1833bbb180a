package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// configDir writes config files into a new folder and returns it.
func configDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const onePipe = `{"_id": "people", "type": "pipe", "source": {"type": "embedded", "entities": [{"_id": "a"}]}}`

// TestExitCodes: exit 2 means the command line was used wrongly, whatever
// words an ordinary failure's message happens to contain.
func TestExitCodes(t *testing.T) {
	cfg := configDir(t, map[string]string{"p.json": onePipe})
	data := filepath.Join(t.TempDir(), "data")
	for _, tc := range []struct {
		name string
		args []string
		code int
		err  string
	}{
		{"no such pipe named like a flag", []string{"pump", "flagship", "--config", cfg, "--data", data}, 1, `no pipe "flagship" (pipes: people)`},
		{"no such pipe named like args", []string{"pump", "args", "--config", cfg, "--data", data}, 1, `no pipe "args"`},
		{"no such pipe named like a command", []string{"pump", "unknown command", "--config", cfg, "--data", data}, 1, `no pipe "unknown command"`},
		{"missing argument", []string{"pump", "--config", cfg}, 2, "accepts 1 arg(s), received 0"},
		{"too many arguments", []string{"pump", "a", "b", "--config", cfg}, 2, "accepts 1 arg(s), received 2"},
		{"unknown flag", []string{"pump", "people", "--bogus"}, 2, "unknown flag: --bogus"},
		{"unknown shorthand flag", []string{"validate", "-z"}, 2, "unknown shorthand flag: 'z'"},
		{"bad flag value", []string{"pump", "people", "--full=maybe", "--config", cfg}, 2, `invalid argument "maybe"`},
		{"flag without its value", []string{"validate", "--config"}, 2, "flag needs an argument: --config"},
		{"unknown command", []string{"frobnicate"}, 2, `unknown command "frobnicate" for "sluice"`},
		{"unknown subcommand", []string{"dataset", "lst"}, 2, `unknown command "lst" for "sluice dataset"`},
		{"arguments to a command without any", []string{"validate", "extra", "--config", cfg}, 2, `unknown command "extra" for "sluice validate"`},
		{"a config folder that does not exist", []string{"validate", "--config", filepath.Join(cfg, "nope")}, 1, "config folder"},
	} {
		code, out, errOut := sluiceIn(t, "", tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.err) {
			t.Errorf("%s: sluice %v: exit %d, stdout %q, stderr %q; want exit %d and stderr with %q", tc.name, tc.args, code, out, errOut, tc.code, tc.err)
		}
		if code != 0 && !strings.HasPrefix(errOut, "sluice: ") {
			t.Errorf("%s: stderr %q does not start with \"sluice: \"", tc.name, errOut)
		}
	}
}
