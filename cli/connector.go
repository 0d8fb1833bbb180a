package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sluice-sync/sluice/connector"
	"github.com/sluice-sync/sluice/pipes"
)

func (a *app) connectorCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "connector", Short: "Work with Sesam connectors (a manifest.json and its templates)"}
	cmd.AddCommand(a.connectorExpandCmd())
	return cmd
}

func (a *app) connectorExpandCmd() *cobra.Command {
	var system, out string
	var params []string
	cmd := &cobra.Command{
		Use:   "expand DIR --system ID [--param NAME=VALUE ...] [--out DIR]",
		Short: "Expand a Sesam connector into a config folder: one file per pipe and system",
		Long: `Expand the Sesam connector in DIR (its manifest.json and templates) into a
config folder, as sesam-py's "sesam expand" does: the system template once,
each datatype's template once per datatype, every {{@ name @}} placeholder
filled in, one file per pipe (pipes/<_id>.conf.json) and system
(systems/<_id>.conf.json).

{{@ system @}} is the --system value; {{@ datatype @}} and {{@ parent @}}
come from the datatype; other names from the datatype's parameters in the
manifest, and the manifest's additional_parameters expand to $ENV(name), for
"sluice validate" and "sluice run" to read from the environment. --param
NAME=VALUE sets a parameter in every template, replacing the manifest's
value or the $ENV reference.

The output folder (default DIR/.expanded, where sesam-py writes it) is
replaced; it must be new, empty, or hold an earlier expansion.

Exit status: 1 when the connector does not expand (every problem is printed
as file:line:col), 2 for a wrong command line, including a --param the
connector does not have.`,
		Example: `  sluice connector expand hubspot-connector --system hubspot
  sluice connector expand . --system wave --param token_url=https://api.waveapps.com/oauth2/token/ --out ../wave-config`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			dir := args[0]
			opts, err := expandOptions(system, params)
			if err != nil {
				return err
			}
			res, err := connector.Expand(dir, opts)
			for _, w := range warningsOf(res) {
				fmt.Fprintln(a.stderr, w)
			}
			var pe *connector.ParamError
			var es pipes.Errors
			switch {
			case errors.As(err, &pe):
				return usageError{err}
			case errors.As(err, &es):
				fmt.Fprintln(a.stderr, es.Error())
				return reportedError{err}
			case err != nil:
				return err
			}
			if out == "" {
				out = filepath.Join(dir, ".expanded")
			}
			if err := connector.Write(out, res.Files); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%s: %d pipe%s, %d system%s\n", out, res.Pipes, plural(res.Pipes), res.Systems, plural(res.Systems))
			if len(res.Env) > 0 {
				fmt.Fprintf(a.stdout, "environment variables it reads: %s\n", strings.Join(res.Env, ", "))
			}
			if len(res.Secrets) > 0 {
				fmt.Fprintf(a.stdout, "secrets it reads (SLUICE_SECRET_<name> or --secrets FILE): %s\n", strings.Join(res.Secrets, ", "))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&system, "system", "", "the _id of the connector's system: {{@ system @}}, and the prefix of its pipes (required)")
	cmd.Flags().StringArrayVar(&params, "param", nil, "NAME=VALUE: set a parameter in every template (repeatable)")
	cmd.Flags().StringVar(&out, "out", "", "the config folder to write (default DIR/.expanded)")
	return cmd
}

// expandOptions checks --system and splits the --param values.
func expandOptions(system string, params []string) (connector.Options, error) {
	switch {
	case system == "":
		return connector.Options{}, usageError{errors.New("--system ID is required: the _id of the connector's system")}
	case strings.ContainsAny(system, "/\\"):
		return connector.Options{}, usageError{fmt.Errorf("--system %q: an _id cannot contain / or \\", system)}
	}
	opts := connector.Options{System: system}
	for _, p := range params {
		name, v, ok := strings.Cut(p, "=")
		if !ok || name == "" {
			return connector.Options{}, usageError{fmt.Errorf("--param %q: expected NAME=VALUE", p)}
		}
		opts.Params = append(opts.Params, connector.Param{Name: name, Value: v})
	}
	return opts, nil
}

func warningsOf(res *connector.Result) pipes.Errors {
	if res == nil {
		return nil
	}
	return res.Warnings
}
