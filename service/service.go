// Package service is "sluice run": the engine as a long-running service
// that runs pipes on their schedules, serves the HTTP API, receives
// webhooks and reloads its config without a restart.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
)

// Options configure a Service.
type Options struct {
	// Load reads and validates the config folder; it is called again on a
	// reload. A config with problems fails with a pipes.Errors (errors.As
	// finds it) and, so its secrets can be redacted, the config as far as
	// it loaded.
	Load     func() (*pipes.Config, error)
	Store    *store.Store
	Registry *component.Registry
	Logger   *slog.Logger
	// Token, when set, is required as "Authorization: Bearer <token>" on
	// the management API. Serve refuses a non-loopback address without it.
	Token string
	// Limits protect the HTTP server from slow and hostile clients.
	Limits Limits
}

// Service is a running sluice: one engine at a time (a reload swaps it),
// its scheduler, and the HTTP API.
type Service struct {
	opts    Options
	log     *slog.Logger
	metrics *metrics

	mu    sync.RWMutex
	cfg   *pipes.Config
	eng   *engine.Engine
	sched *scheduler

	// mounts are extra routes (receivers, publishers) by ServeMux pattern.
	mounts map[string]http.Handler
	notify notifyState // run notifications (notify.go)
}

// Mount adds a route to the API, e.g. the receivers.
func (s *Service) Mount(pattern string, h http.Handler) {
	if s.mounts == nil {
		s.mounts = map[string]http.Handler{}
	}
	s.mounts[pattern] = h
}

// Observe records a receiver request in the metrics, and wakes the pipes
// that read what it wrote.
func (s *Service) Observe(pipe, outcome string, entities int, d time.Duration) {
	if _, err := s.Engine().Pipe(pipe); err != nil {
		// The name comes from the request path: one series per made-up
		// name would let any caller grow the metrics without bound.
		pipe = unknownPipe
	}
	s.metrics.observeReceive(pipe, outcome, entities, d)
	if outcome == "ok" && entities > 0 {
		s.datasetChanged(pipe)
	}
}

// unknownPipe is the metrics label of requests to pipes that do not exist.
const unknownPipe = "(unknown)"

// New loads the config, builds the engine and starts the scheduler.
func New(opts Options) (*Service, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Service{opts: opts, log: opts.Logger}
	s.metrics = newMetrics(opts.Store, s.Engine)
	cfg, err := opts.Load()
	if err != nil {
		return nil, err
	}
	eng, err := engine.New(context.Background(), cfg, opts.Store, opts.Registry, opts.Logger)
	if err != nil {
		return nil, err
	}
	s.cfg, s.eng = cfg, eng
	s.sched = newScheduler(eng, s.log, s.afterRun)
	return s, nil
}

// Engine is the current engine (a reload replaces it).
func (s *Service) Engine() *engine.Engine {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.eng
}

func (s *Service) scheduler() *scheduler {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.sched
}

// afterRun reports a run and wakes the pipes that read what it wrote.
func (s *Service) afterRun(pipe string, sum engine.Summary, err error) {
	s.metrics.observeRun(pipe, sum, err)
	if err != nil {
		s.log.Error("run failed", "pipe", pipe, "error", sum.Error)
	} else {
		s.log.Info("run completed", "pipe", pipe, "read", sum.Read, "written", sum.Written, "deleted", sum.Deleted, "duration_ms", sum.DurationMS)
	}
	if sum.Written > 0 {
		s.datasetChanged(pipe)
	}
	s.publish(sum, err)
}

// datasetChanged pokes the scheduled pipes whose dataset source reads what
// pipe writes, so a chain of dataset pipes does not wait a whole interval.
func (s *Service) datasetChanged(pipe string) {
	eng, sched := s.Engine(), s.scheduler()
	p, err := eng.Pipe(pipe)
	if err != nil || p.SinkDataset() == "" {
		return
	}
	for _, pc := range eng.Config().Pipes {
		q, err := eng.Pipe(pc.ID)
		if err != nil {
			continue
		}
		if pc.Pump.Mode == pipes.ModeManual || pc.Pump.Mode == pipes.ModeOff {
			continue // runs only when asked
		}
		if d, ok := q.Source.(interface{ Dataset() string }); ok && d.Dataset() == p.SinkDataset() && pc.ID != pipe {
			sched.poke(pc.ID)
		}
	}
}

// Reload loads the config again. Only a config that loads and builds
// completely replaces the running one; otherwise nothing changes and the
// error says why: a config with problems gives every one of them as a
// pipes.Errors, secrets redacted. Runs under way are stopped (their batch
// rolls back) and the new scheduler takes over.
func (s *Service) Reload() error {
	cfg, err := s.opts.Load()
	if err != nil {
		return redactProblems(cfg, err)
	}
	eng, err := engine.New(context.Background(), cfg, s.opts.Store, s.opts.Registry, s.opts.Logger)
	if err != nil {
		return err
	}
	s.mu.Lock()
	old := s.sched
	s.mu.Unlock()
	old.stop()
	s.mu.Lock()
	oldEng := s.eng
	s.cfg, s.eng = cfg, eng
	s.sched = newScheduler(eng, s.log, s.afterRun)
	s.mu.Unlock()
	s.closeEngine(oldEng)
	s.retireNotifier()
	s.log.Info("config reloaded", "pipes", len(cfg.Pipes), "systems", len(cfg.Systems))
	return nil
}

// closeEngine closes an engine that is no longer current once the pushed
// batches it is still writing are done (runs were stopped before), so its
// components release their connections and goroutines.
func (s *Service) closeEngine(eng *engine.Engine) {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	if err := eng.Close(ctx); err != nil {
		s.log.Warn("closing the previous config's components", "error", err)
	}
}

// closeTimeout bounds how long a reload or stop waits for the old engine's
// pushed batches before closing its components anyway.
const closeTimeout = 30 * time.Second

// Stop stops scheduling and the runs under way (each rolls back its batch
// in flight; what was committed stays), closes the engine's components,
// then syncs the store.
func (s *Service) Stop() error {
	s.scheduler().stop()
	s.drainNotifications(10 * time.Second)
	s.closeEngine(s.Engine())
	return s.opts.Store.Sync()
}

// IsLoopback reports whether addr only listens on loopback.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Serve serves the HTTP API on ln until ctx is done, then shuts down
// gracefully: requests in flight (receivers included) finish first.
func (s *Service) Serve(ctx context.Context, ln net.Listener) error {
	if !IsLoopback(ln.Addr().String()) && s.opts.Token == "" {
		return errors.New("listening beyond loopback needs an API token (--token or SLUICE_API_TOKEN)")
	}
	limits := s.opts.Limits.withDefaults()
	srv := limits.server(s.Handler())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(limits.listener(ln)) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
