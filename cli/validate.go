package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func (a *app) validateCmd() *cobra.Command {
	var cf configFlags
	var dataDir string
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check every config file; print every problem with file:line:col and JSON pointer",
		Long: `Check every config file; print every problem with file:line:col and JSON pointer.

Warnings do not fail the check. One of them is a dataset that a source reads
but that no pipe writes and the data folder (--data) does not hold: most
likely a typo. The data folder is only read, and only for that check.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.load(&cf)
			if err != nil {
				return err
			}
			for _, w := range a.datasetWarnings(cfg, dataDir) {
				fmt.Fprintln(a.stderr, cfg.Redact(w.Error()))
			}
			notifications := ""
			if n, m := len(cfg.Destinations), len(cfg.Subscriptions); n+m > 0 {
				notifications = fmt.Sprintf(", %d destination%s, %d subscription%s", n, plural(n), m, plural(m))
			}
			fmt.Fprintf(a.stdout, "%s: %d pipe%s, %d system%s%s: ok\n", cf.dir,
				len(cfg.Pipes), plural(len(cfg.Pipes)), len(cfg.Systems), plural(len(cfg.Systems)), notifications)
			return nil
		},
	}
	cf.add(cmd)
	cmd.Flags().StringVar(&dataDir, "data", "./sluice-data", "the data folder, read to tell a dataset that exists from a mistyped name; never created")
	return cmd
}
