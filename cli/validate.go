package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func (a *app) validateCmd() *cobra.Command {
	var cf configFlags
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check every config file; print every problem with file:line:col and JSON pointer",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.load(&cf)
			if err != nil {
				return err
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
	return cmd
}
