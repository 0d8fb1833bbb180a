package cli

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

func TestLogLevelFlag(t *testing.T) {
	cfg := configDir(t, map[string]string{"p.json": onePipe})
	for _, level := range []string{"debug", "INFO", "Warn", "error"} {
		if code, out, errOut := sluiceIn(t, "", "validate", "--config", cfg, "--log-level", level); code != 0 || !strings.HasSuffix(out, ": ok\n") {
			t.Errorf("--log-level %s: exit %d, stdout %q, stderr %q", level, code, out, errOut)
		}
	}
	for _, level := range []string{"warning", "verbose", "", "warn+4"} {
		code, out, errOut := sluiceIn(t, "", "--log-level", level, "validate", "--config", cfg)
		if code != 2 || out != "" || !strings.Contains(errOut, `unknown log level "`+level+`": give debug, info, warn or error`) {
			t.Errorf("--log-level %q: exit %d, stdout %q, stderr %q; want exit 2 naming the levels", level, code, out, errOut)
		}
	}
}

// TestLogLevelApplies: the logger writes what the chosen level lets
// through, and warn is the default.
func TestLogLevelApplies(t *testing.T) {
	for _, tc := range []struct {
		set        string
		info, warn bool
	}{{"", false, true}, {"info", true, true}, {"ERROR", false, false}} {
		var buf bytes.Buffer
		a := &app{stderr: &buf, logLevel: logLevel{slog.LevelWarn}}
		if tc.set != "" {
			if err := a.logLevel.Set(tc.set); err != nil {
				t.Fatal(err)
			}
		}
		log := a.logger()
		if log.Enabled(context.Background(), slog.LevelInfo) != tc.info || log.Enabled(context.Background(), slog.LevelWarn) != tc.warn {
			t.Errorf("level %q: info %v, warn %v; want %v, %v", tc.set, !tc.info, !tc.warn, tc.info, tc.warn)
		}
	}
}
