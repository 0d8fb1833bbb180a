package cli

import (
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/sluice-sync/sluice/store"
)

// exitError carries an exit code for failures already reported.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// reportedError is a failure whose details are already printed (a config's
// problems): Run exits 1 without printing it again. It keeps its cause, so
// errors.As still finds, say, the pipes.Errors inside.
type reportedError struct{ err error }

func (e reportedError) Error() string { return e.err.Error() }
func (e reportedError) Unwrap() error { return e.err }

// app holds what every command shares.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	logLevel       logLevel
	// minFree is the free space kept in reserve on the data folder's disk
	// (--min-free; 0 turns the reserve off).
	minFree byteSize
	// freeSpace, when set, replaces the reading of the disk's free space
	// (tests).
	freeSpace func(dir string) (uint64, error)
}

// Run runs the command line and returns the process exit code: 0 on
// success, 2 when the command line itself is wrong (usageError), 1 for
// every other failure.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, logLevel: logLevel{slog.LevelWarn}, minFree: byteSize{store.DefaultMinFree}}
	root := &cobra.Command{
		Use:   "sluice",
		Short: "sluice runs declarative JSON pipes: sources → DTL/REST transforms → sinks, kept as versioned datasets",
		Long: `sluice runs declarative JSON pipes: sources → DTL/REST transforms → sinks, kept as versioned datasets.

Exit status: 0 on success, 1 when a command fails, 2 when the command line is
wrong (an unknown command or flag, a bad flag value, the wrong number of
arguments).`,
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().Var(&a.logLevel, "log-level", "log level: debug, info, warn or error (logs go to stderr)")
	root.PersistentFlags().Var(&a.minFree, "min-free", "free space kept in reserve on the data folder's disk: below it, writes are refused until space is freed (0 turns it off)")
	root.AddCommand(a.validateCmd(), a.pumpCmd(), a.datasetCmd(), a.dtlCmd(), a.runCmd(), a.deliveriesCmd(), a.secretCmd())
	root.AddCommand(a.destinationCmd(), a.connectorCmd(), a.versionCmd())
	// cobra adds these when it executes; adding them first lets
	// markUsageErrors cover them too.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd(args...)
	markUsageErrors(root)
	cmd, err := root.ExecuteC()
	var ee exitError
	var re reportedError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &re):
		return 1
	}
	fmt.Fprintf(stderr, "sluice: %s\n", err)
	if errors.As(err, &usageError{}) {
		if cmd != nil {
			fmt.Fprintf(stderr, "run \"%s --help\" for usage\n", cmd.CommandPath())
		}
		return 2
	}
	return 1
}

// logger logs to stderr at the chosen level.
func (a *app) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: a.logLevel.level}))
}
