package cli

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionLine(t *testing.T) {
	vcs := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i+1 < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	for _, tc := range []struct {
		name string
		info *debug.BuildInfo
		ok   bool
		want string
	}{
		{"local build", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"},
			Settings: vcs("vcs", "git", "vcs.revision", "1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d", "vcs.time", "2026-12-07T10:00:00Z", "vcs.modified", "true")},
			true, "sluice (devel) commit 1a2b3c4d5e6f (modified) 2026-12-07T10:00:00Z go1.26.8"},
		{"clean tagged build", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.0"},
			Settings: vcs("vcs.revision", "abcdef0123456789", "vcs.modified", "false", "vcs.time", "2026-12-01T08:30:00Z")},
			true, "sluice v1.2.0 commit abcdef012345 2026-12-01T08:30:00Z go1.26.8"},
		{"no version control", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			true, "sluice (devel) commit unknown go1.26.8"},
		{"empty main version", &debug.BuildInfo{GoVersion: "go1.26.8"}, true, "sluice (devel) commit unknown go1.26.8"},
		{"no build info", nil, false, "sluice (devel) commit unknown " + runtime.Version()},
	} {
		if got := versionLine(tc.info, tc.ok); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestVersionCommand(t *testing.T) {
	want := version() + "\n"
	if !strings.HasPrefix(want, "sluice ") || !strings.Contains(want, " commit ") || !strings.HasSuffix(want, " "+runtime.Version()+"\n") {
		t.Fatalf("version line %q", want)
	}
	for _, args := range [][]string{{"version"}, {"--version"}, {"-v"}} {
		if code, out, errOut := sluiceIn(t, "", args...); code != 0 || out != want || errOut != "" {
			t.Errorf("sluice %v: exit %d, stdout %q, stderr %q; want %q", args, code, out, errOut, want)
		}
	}
	if code, _, errOut := sluiceIn(t, "", "version", "extra"); code != 2 || !strings.Contains(errOut, `unknown command "extra" for "sluice version"`) {
		t.Errorf("version extra: exit %d, stderr %q", code, errOut)
	}
}
