package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

// usageError is a command line used wrongly — an unknown command or flag, a
// bad flag value, the wrong number of arguments — as opposed to a command
// that ran and failed. Run exits 2 for it, whatever the message says.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// markUsageErrors makes every usage failure of the command tree a
// usageError: flag parsing through the flag error function (the children
// inherit the root's), positional arguments by wrapping each command's
// validator. A command that only groups subcommands gets a validator of its
// own, since cobra otherwise answers an unknown subcommand below the root
// with the help text and success.
func markUsageErrors(cmd *cobra.Command) {
	if !cmd.HasParent() {
		cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	}
	switch {
	case cmd.HasSubCommands() && !cmd.Runnable():
		cmd.Args = unknownSubcommand
		cmd.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	case cmd.Args != nil:
		check := cmd.Args
		cmd.Args = func(cmd *cobra.Command, args []string) error {
			if err := check(cmd, args); err != nil {
				return usageError{err}
			}
			return nil
		}
	}
	for _, c := range cmd.Commands() {
		markUsageErrors(c)
	}
}

// unknownSubcommand refuses any argument to a command that only groups
// subcommands: it can only be a mistyped subcommand.
func unknownSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	hint := ""
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		hint = fmt.Sprintf(" (did you mean %q?)", s[0])
	}
	return usageError{fmt.Errorf("unknown command %q for %q%s", args[0], cmd.CommandPath(), hint)}
}
