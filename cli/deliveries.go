package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/sluice-sync/sluice/builtin"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/webhook"
)

// deliveriesCmd inspects and re-sends what webhook sinks delivered.
func (a *app) deliveriesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "deliveries",
		Short: "List, resend and replay what a pipe's webhook sink delivered",
	}
	cmd.AddCommand(a.deliveriesListCmd(), a.deliveriesResendCmd(), a.deliveriesReplayCmd(), a.deliveriesEnableCmd())
	return cmd
}

// sinkFlags are the flags every deliveries command takes.
type sinkFlags struct {
	cf      configFlags
	dataDir string
}

func (f *sinkFlags) add(cmd *cobra.Command) {
	f.cf.add(cmd)
	cmd.Flags().StringVar(&f.dataDir, "data", "./sluice-data", "the data folder")
}

// withSink loads the config and the store and calls fn with the pipe's
// webhook sink, through its delivery log.
func (a *app) withSink(f *sinkFlags, pipe string, fn func(ctx context.Context, s webhook.DeliveryLog) error) error {
	cfg, err := a.load(&f.cf)
	if err != nil {
		return err
	}
	if cfg.Pipe(pipe) == nil {
		return unknownPipe(pipe, cfg.Pipes)
	}
	st, err := a.openStore(f.dataDir, false)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	eng, err := engine.New(ctx, cfg, st, builtin.Registry(), a.logger())
	if err != nil {
		return err
	}
	p, err := eng.Pipe(pipe)
	if err != nil {
		return err
	}
	s, ok := p.Sink.(webhook.DeliveryLog)
	if !ok {
		return fmt.Errorf("pipe %q: %w", pipe, webhook.ErrNotWebhookSink)
	}
	return fn(ctx, s)
}

func (a *app) deliveriesListCmd() *cobra.Command {
	var f sinkFlags
	var since string
	var opts webhook.ListOptions
	cmd := &cobra.Command{
		Use:   "list PIPE",
		Short: "Print the pipe's deliveries as NDJSON, oldest first: one line per message (its last attempt), or per attempt",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Since, err = parseSince(since); err != nil {
				return err
			}
			return a.withSink(&f, args[0], func(_ context.Context, s webhook.DeliveryLog) error {
				ds, err := s.Deliveries(opts)
				if err != nil {
					return err
				}
				enc := json.NewEncoder(a.stdout)
				for _, d := range ds {
					if err := enc.Encode(d); err != nil {
						return err
					}
				}
				return nil
			})
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&since, "since", "", "only messages first sent at or after this time (RFC 3339, or a duration ago such as 2h)")
	cmd.Flags().StringVar(&opts.Outcome, "outcome", "", "only messages whose last attempt was: delivered, retrying, failed or gone")
	cmd.Flags().IntVar(&opts.Limit, "limit", 0, "only the newest N")
	cmd.Flags().BoolVar(&opts.Attempts, "attempts", false, "one line per attempt")
	cmd.Flags().BoolVar(&opts.Dead, "dead", false, "the dead letters: messages not delivered within their retries")
	cmd.Flags().BoolVar(&opts.Body, "body", false, "include request bodies")
	return cmd
}

func (a *app) deliveriesResendCmd() *cobra.Command {
	var f sinkFlags
	cmd := &cobra.Command{
		Use:   "resend PIPE WEBHOOK_ID",
		Short: "Send one logged message again, as it was, with its original webhook-id",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withSink(&f, args[0], func(ctx context.Context, s webhook.DeliveryLog) error {
				d, err := s.Resend(ctx, args[1])
				if d != nil {
					d.Body = nil
					if eerr := json.NewEncoder(a.stdout).Encode(d); eerr != nil {
						return eerr
					}
				}
				return err
			})
		},
	}
	f.add(cmd)
	return cmd
}

func (a *app) deliveriesReplayCmd() *cobra.Command {
	var f sinkFlags
	var since string
	var from, to int64
	cmd := &cobra.Command{
		Use:   "replay PIPE (--from-offset N | --to-offset N | --since TIME)",
		Short: "Send again every message whose records came from source offsets in (from, to], or first sent since a time, with the original webhook-ids",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var opts webhook.ReplayOptions
			var err error
			if opts.Since, err = parseSince(since); err != nil {
				return err
			}
			if cmd.Flags().Changed("from-offset") {
				opts.FromOffset = &from
			}
			if cmd.Flags().Changed("to-offset") {
				opts.ToOffset = &to
			}
			return a.withSink(&f, args[0], func(ctx context.Context, s webhook.DeliveryLog) error {
				done, err := s.Replay(ctx, opts)
				enc := json.NewEncoder(a.stdout)
				for _, d := range done {
					if eerr := enc.Encode(d); eerr != nil {
						return eerr
					}
				}
				if err == nil {
					a.printf("sluice: replayed %d message%s\n", len(done), plural(len(done)))
				}
				return err
			})
		},
	}
	f.add(cmd)
	cmd.Flags().Int64Var(&from, "from-offset", 0, "replay messages with records from source offsets after this one")
	cmd.Flags().Int64Var(&to, "to-offset", 0, "replay messages with records from source offsets up to this one")
	cmd.Flags().StringVar(&since, "since", "", "replay messages first sent at or after this time (RFC 3339, or a duration ago such as 2h)")
	return cmd
}

func (a *app) deliveriesEnableCmd() *cobra.Command {
	var f sinkFlags
	cmd := &cobra.Command{
		Use:   "enable PIPE",
		Short: "Send to the pipe's endpoints again after they answered 410 Gone",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withSink(&f, args[0], func(_ context.Context, s webhook.DeliveryLog) error {
				if err := s.Enable(); err != nil {
					return err
				}
				return json.NewEncoder(a.stdout).Encode(map[string]any{"pipe": args[0], "enabled": true})
			})
		},
	}
	f.add(cmd)
	return cmd
}

// secretCmd prints a new Standard Webhooks secret.
func (a *app) secretCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "secret",
		Short: "Print a new random webhook signing secret (whsec_…) for a webhook sink, a destination and its receiver",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintln(a.stdout, webhook.GenerateSecret())
			return err
		},
	}
}

// parseSince reads a time: RFC 3339, or a duration meaning that long ago.
func parseSince(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return time.Now().Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("--since %q: give an RFC 3339 time (2026-11-30T10:00:00Z) or a duration ago (2h)", s)
}
