package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/sluice-sync/sluice/builtin"
	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/notify"
	"github.com/sluice-sync/sluice/store"
)

func (a *app) pumpCmd() *cobra.Command {
	var cf configFlags
	var dataDir string
	var full, dryRun bool
	cmd := &cobra.Command{
		Use:   "pump PIPE",
		Short: "Run one pipe once and print a JSON summary; exit 1 if the run fails",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.load(&cf)
			if err != nil {
				return err
			}
			if cfg.Pipe(args[0]) == nil {
				return unknownPipe(args[0], cfg.Pipes)
			}
			var st *store.Store
			if _, statErr := os.Stat(dataDir); dryRun && statErr != nil {
				// A dry run creates no data folder: it reads an empty store.
				st, err = store.Open("", store.Options{InMemory: true})
			} else {
				st, err = a.openStore(dataDir, true)
			}
			if err != nil {
				return err
			}
			defer st.Close()
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if dryRun {
				ctx = component.WithDryRun(ctx, func(line string) { fmt.Fprintln(a.stdout, cfg.Redact(line)) })
			}
			eng, err := engine.New(ctx, cfg, st, builtin.Registry(), a.logger())
			if err != nil {
				return err
			}
			defer eng.Close(context.WithoutCancel(ctx))
			var notifier *notify.Notifier // a dry run notifies no one
			if !dryRun {
				if notifier, err = a.runNotifier(cfg, st); err != nil {
					return err
				}
			}
			prog := newProgress(a.stderr)
			sum, runErr := eng.Run(ctx, args[0], engine.RunOptions{Full: full, Progress: func(s engine.Summary) {
				prog.show("sluice: pump %s: read %d, written %d, deleted %d", s.Pipe, s.Read, s.Written, s.Deleted)
			}})
			prog.done()
			if err := json.NewEncoder(a.stdout).Encode(sum); err != nil {
				return err
			}
			a.notifyRun(ctx, notifier, sum, runErr)
			if runErr != nil {
				a.printf("sluice: %s\n", sum.Error)
				return exitError{1}
			}
			return nil
		},
	}
	cf.add(cmd)
	cmd.Flags().StringVar(&dataDir, "data", "./sluice-data", "the data folder")
	cmd.Flags().BoolVar(&full, "full", false, "reset the pipe first: read the source from the start and track deletions")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the requests that would change things outside sluice instead of sending them; change no datasets or offsets")
	return cmd
}
