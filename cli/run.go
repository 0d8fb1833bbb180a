package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/sluice-sync/sluice/builtin"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/receiver"
	"github.com/sluice-sync/sluice/service"
)

func (a *app) runCmd() *cobra.Command {
	var cf configFlags
	var dataDir, addr, token string
	var limits service.Limits
	bodyBudget := byteSize{receiver.DefaultBodyBudget}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "The service: run pipes on their schedules, serve the HTTP API and receivers; SIGHUP reloads the config",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if token == "" {
				token = os.Getenv("SLUICE_API_TOKEN")
			}
			if !service.IsLoopback(addr) && token == "" {
				return fmt.Errorf("listening on %s (beyond loopback) needs an API token: --token or SLUICE_API_TOKEN", addr)
			}
			// Refuse a bad config before taking the data folder; the service
			// starts with this load, and reloads read the folder again.
			first, err := a.load(&cf)
			if err != nil {
				return err
			}
			log := a.logger()
			// A reload hands its problems back to whoever asked (the API
			// answer, the SIGHUP log) instead of printing them.
			load := func() (*pipes.Config, error) {
				if cfg := first; cfg != nil {
					first = nil
					return cfg, nil
				}
				cfg, err := loadConfig(&cf)
				if err == nil {
					for _, w := range cfg.Warnings {
						log.Warn("config warning", "warning", cfg.Redact(w.Error()))
					}
				}
				return cfg, err
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			st, err := a.openStoreWhenSpace(ctx, dataDir)
			if err != nil {
				return err
			}
			defer st.Close()
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			svc, err := service.New(service.Options{Load: load, Store: st, Registry: builtin.Registry(), Logger: log, Token: token, Limits: limits})
			if err != nil {
				ln.Close()
				return err
			}
			secrets, err := secretsLookup(cf.secrets)
			if err != nil {
				ln.Close()
				return err
			}
			rc := receiver.New(receiver.Options{Engine: svc.Engine, Logger: log, Observe: svc.Observe, Secrets: secrets, BodyBudget: bodyBudget.n})
			svc.Mount("POST /api/receivers/{pipe}/entities", http.HandlerFunc(rc.ServeReceive))
			svc.Mount("GET /api/publishers/{pipe}/entities", http.HandlerFunc(rc.ServePublish))
			svc.Mount("GET /api/publishers/{pipe}/csv", http.HandlerFunc(rc.ServePublishCSV))
			svc.Mount("GET /api/publishers/{pipe}/csv/{filename}", http.HandlerFunc(rc.ServePublishCSV))
			hup := make(chan os.Signal, 1)
			signal.Notify(hup, syscall.SIGHUP)
			defer signal.Stop(hup)
			go func() {
				for range hup {
					logReload(log, svc.Reload())
				}
			}()
			fmt.Fprintf(a.stderr, "sluice: serving on http://%s (config %s, data %s)\n", ln.Addr(), cf.dir, dataDir)
			serveErr := svc.Serve(ctx, ln)
			stopErr := svc.Stop()
			if serveErr != nil && !errors.Is(serveErr, context.Canceled) {
				return serveErr
			}
			return stopErr
		},
	}
	cf.add(cmd)
	cmd.Flags().StringVar(&dataDir, "data", "./sluice-data", "the data folder")
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:9042", "the address the HTTP API listens on")
	cmd.Flags().StringVar(&token, "token", "", "the bearer token the management API requires (default $SLUICE_API_TOKEN); needed beyond loopback")
	d := service.DefaultLimits
	cmd.Flags().DurationVar(&limits.ReadTimeout, "read-timeout", d.ReadTimeout, "the longest a request (head and body) may take to arrive; a stalled body is cut off after it")
	cmd.Flags().DurationVar(&limits.WriteTimeout, "write-timeout", d.WriteTimeout, "the longest a client may take to read an answer (streams and waits move it as they go)")
	cmd.Flags().DurationVar(&limits.IdleTimeout, "idle-timeout", d.IdleTimeout, "how long an idle keep-alive connection stays open")
	cmd.Flags().IntVar(&limits.MaxConnections, "max-connections", d.MaxConnections, "connections served at once; more wait until one is freed")
	cmd.Flags().Var(&bodyBudget, "body-budget", "request bodies all receivers may hold in memory at once; past it they answer 503 with Retry-After")
	return cmd
}

// logReload logs what a SIGHUP reload did: each problem of a refused config
// on a line of its own, with its place, as validate prints them.
func logReload(log *slog.Logger, err error) {
	var problems pipes.Errors
	switch {
	case errors.As(err, &problems):
		for _, p := range problems {
			log.Error("config problem", "problem", p.Error())
		}
		log.Error("config reload refused; the running config stays", "problems", len(problems))
	case err != nil:
		log.Error("config reload refused; the running config stays", "error", err)
	}
}
