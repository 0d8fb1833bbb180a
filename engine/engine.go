package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
)

// Engine is a loaded config bound to a store.
type Engine struct {
	cfg     *pipes.Config
	store   *store.Store
	pipes   map[string]*Pipe
	systems map[string]any // built systems by _id
	life    lifecycle      // work under way, for Close (lifecycle.go)
}

// Pipe is a pipe ready to run.
type Pipe struct {
	Config     *pipes.Pipe
	Source     component.Source
	Transforms []component.Transform
	// TransformNames name each transform for messages: its type, or the
	// namespace stage the engine added.
	TransformNames []string
	Sink           component.Sink
	running        sync.Mutex // one run at a time
	// delivering serialises pushed batches into a sink that delivers in the
	// background (a Flusher), so each receiver waits for its own batch.
	delivering sync.Mutex
}

// ErrUnknownPipe reports a pipe id that the config does not have.
var ErrUnknownPipe = errors.New("no such pipe")

// ErrRunning reports a pipe that is already running.
var ErrRunning = errors.New("the pipe is already running")

// New builds every pipe of cfg. Sinks that mark their dataset populated
// when the pipe is loaded (set_initial_offset "onload") do so here.
func New(ctx context.Context, cfg *pipes.Config, st *store.Store, reg *component.Registry, log *slog.Logger) (*Engine, error) {
	if log == nil {
		log = slog.Default()
	}
	e := &Engine{cfg: cfg, store: st, pipes: map[string]*Pipe{}, systems: map[string]any{}}
	for _, sc := range cfg.Systems {
		env := component.Env{Store: st, Logger: log.With("system", sc.ID)}
		s, err := component.Build[any](reg, component.KindSystem, sc.Kind, sc.Component.Config, env)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("system %q: %w", sc.ID, err), e.Close(ctx))
		}
		e.systems[sc.ID] = s
	}
	_, dryRun := component.DryRun(ctx)
	for _, pc := range cfg.Pipes {
		p, built, err := e.build(pc, reg, log)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("pipe %q: %w", pc.ID, err), closeAll(ctx, built), e.Close(ctx))
		}
		e.pipes[pc.ID] = p
		if o, ok := p.Sink.(component.RunObserver); ok && !dryRun {
			if err := o.PipeLoaded(ctx); err != nil {
				return nil, errors.Join(fmt.Errorf("pipe %q: %w", pc.ID, err), e.Close(ctx))
			}
		}
	}
	return e, nil
}

// system finds a built system by _id.
func (e *Engine) system(id string) (any, bool) {
	s, ok := e.systems[id]
	return s, ok
}

// build makes a pipe's components; on failure it also returns those it
// built, for the caller to close.
func (e *Engine) build(pc *pipes.Pipe, reg *component.Registry, log *slog.Logger) (*Pipe, []any, error) {
	st := e.store
	env := component.Env{PipeID: pc.ID, Store: st, Logger: log.With("pipe", pc.ID), Namespaces: pc.Namespaces, System: e.system, Redact: e.cfg.Redact, ConfigDir: e.cfg.Dir}
	p := &Pipe{Config: pc}
	var err error
	if p.Source, err = component.Build[component.Source](reg, component.KindSource, pc.Source.Type, pc.Source.Config, env); err != nil {
		return nil, nil, err
	}
	built := []any{p.Source}
	if d, ok := p.Source.(interface{ Dataset() string }); ok {
		env.SourceDataset = d.Dataset()
	}
	if pc.Namespaces.Add {
		p.Transforms = append(p.Transforms, AddNamespaces(pc.Namespaces))
		p.TransformNames = append(p.TransformNames, "add_namespaces")
	}
	for _, tc := range pc.Transforms {
		t, err := component.Build[component.Transform](reg, component.KindTransform, tc.Type, tc.Config, env)
		if err != nil {
			return nil, built, err
		}
		built = append(built, t)
		p.Transforms = append(p.Transforms, t)
		p.TransformNames = append(p.TransformNames, tc.Type)
	}
	if pc.Namespaces.Remove {
		p.Transforms = append(p.Transforms, RemoveNamespaces())
		p.TransformNames = append(p.TransformNames, "remove_namespaces")
	}
	if p.Sink, err = component.Build[component.Sink](reg, component.KindSink, pc.Sink.Type, pc.Sink.Config, env); err != nil {
		return nil, built, err
	}
	return p, nil, nil
}

// Pipe returns a built pipe.
func (e *Engine) Pipe(id string) (*Pipe, error) {
	p, ok := e.pipes[id]
	if !ok {
		return nil, fmt.Errorf("pipe %q: %w", id, ErrUnknownPipe)
	}
	return p, nil
}

// Config is the config the engine was built from.
func (e *Engine) Config() *pipes.Config { return e.cfg }

// SinkDataset names the dataset a pipe's sink writes, or "" for sinks that
// write elsewhere.
func (p *Pipe) SinkDataset() string {
	if d, ok := p.Sink.(interface{ Dataset() string }); ok {
		return d.Dataset()
	}
	return ""
}
