package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/notify"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/service"
	"github.com/sluice-sync/sluice/store"
)

func (a *app) destinationCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "destination", Short: "List run-notification destinations and send them a test event"}
	cmd.AddCommand(a.destinationListCmd(), a.destinationTestCmd())
	return cmd
}

func (a *app) destinationListCmd() *cobra.Command {
	var cf configFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List destinations with the subscriptions and events routed to each (no secrets shown)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			cfg, err := a.load(&cf)
			if err != nil {
				return err
			}
			infos := notify.Describe(cfg)
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				for _, i := range infos {
					if err := enc.Encode(i); err != nil {
						return err
					}
				}
				return nil
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "DESTINATION\tURL\tEVENTS\tSUBSCRIPTIONS\tSECRET")
			for _, i := range infos {
				var subs []string
				for _, r := range i.Routes {
					subs = append(subs, r.Subscription)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", i.ID, i.URL, orDash(strings.Join(i.Events, ",")), orDash(strings.Join(subs, ",")), i.Secret)
			}
			return tw.Flush()
		},
	}
	cf.add(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per destination")
	return cmd
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (a *app) destinationTestCmd() *cobra.Command {
	var cf configFlags
	var dataDir string
	cmd := &cobra.Command{
		Use:   "test ID",
		Short: "Send a sample pipe.completed event to a destination now; print the result as JSON; exit 1 unless it answered 2xx",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.load(&cf)
			if err != nil {
				return err
			}
			if cfg.Destination(args[0]) == nil {
				return unknownDestination(args[0], cfg)
			}
			st, err := store.Open(dataDir, a.storeOptions())
			if errors.Is(err, store.ErrLocked) {
				return fmt.Errorf("the data folder %s is in use by another sluice process; if `sluice run` has it, ask it: POST /api/destinations/%s/test", dataDir, args[0])
			} else if err != nil {
				return err
			}
			defer st.Close()
			n, err := notify.New(cfg, st, a.logger(), notify.Options{})
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			res, sendErr := n.SendTest(ctx, args[0])
			if err := json.NewEncoder(a.stdout).Encode(res); err != nil {
				return err
			}
			if sendErr != nil {
				a.printf("sluice: %s\n", sendErr)
				return exitError{1}
			}
			return nil
		},
	}
	cf.add(cmd)
	cmd.Flags().StringVar(&dataDir, "data", "./sluice-data", "the data folder (it keeps generated signing secrets, and the attempt is logged in its system:notification_log)")
	return cmd
}

func unknownDestination(id string, cfg *pipes.Config) error {
	ids := make([]string, len(cfg.Destinations))
	for i, d := range cfg.Destinations {
		ids[i] = d.ID
	}
	if len(ids) == 0 {
		return fmt.Errorf("no destination %q: the config defines none", id)
	}
	return fmt.Errorf("no destination %q%s (known: %s)", id, pipes.Suggest(id, ids), strings.Join(ids, ", "))
}

// runNotifier prepares "sluice pump" to notify about its run; nil when no
// subscription could route anything.
func (a *app) runNotifier(cfg *pipes.Config, st *store.Store) (*notify.Notifier, error) {
	if len(cfg.Subscriptions) == 0 {
		return nil, nil
	}
	return notify.New(cfg, st, a.logger(), notify.Options{})
}

// notifyRun publishes a finished run and waits for its deliveries, since
// the process is about to exit. A run stopped by a signal sends nothing.
// Failed deliveries are logged by the notifier and do not change the exit
// code: the run's outcome is what the exit code reports.
func (a *app) notifyRun(ctx context.Context, n *notify.Notifier, sum engine.Summary, runErr error) {
	if n == nil || errors.Is(runErr, context.Canceled) {
		return
	}
	n.Publish(service.NotificationRun(sum))
	slow := time.AfterFunc(2*time.Second, func() {
		a.printf("sluice: waiting for run notifications to be delivered (Ctrl-C gives up)\n")
	})
	defer slow.Stop()
	if err := n.Wait(ctx); err != nil {
		a.printf("sluice: run notifications given up: %v\n", err)
	}
}
