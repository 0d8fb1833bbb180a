package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

func (a *app) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print sluice's version, commit and Go version (as --version does)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(a.stdout, version())
			return err
		},
	}
}

// version is the one line that says which build is running, for bug
// reports: it comes from what the Go toolchain recorded in the binary.
func version() string { return versionLine(debug.ReadBuildInfo()) }

// versionLine renders build info as
// "sluice VERSION commit REV[ (modified)][ TIME] GOVERSION", or with
// "commit unknown" when the build recorded no version control (a build
// outside a repository, -buildvcs=false, a test binary).
func versionLine(info *debug.BuildInfo, ok bool) string {
	ver, goVersion := "(devel)", runtime.Version()
	var rev, modified, at string
	if ok && info != nil {
		if info.Main.Version != "" {
			ver = info.Main.Version
		}
		if info.GoVersion != "" {
			goVersion = info.GoVersion
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value
			case "vcs.time":
				at = s.Value
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "sluice %s commit ", ver)
	if rev == "" {
		b.WriteString("unknown")
	} else {
		b.WriteString(rev[:min(12, len(rev))])
		if modified == "true" {
			b.WriteString(" (modified)")
		}
		if at != "" {
			b.WriteString(" " + at)
		}
	}
	b.WriteString(" " + goVersion)
	return b.String()
}
