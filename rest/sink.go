package rest

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/dtl"
	"github.com/sluice-sync/sluice/entity"
)

// SinkConfig is the config of the "rest" sink: each entity, shaped
// {_id, operation?, properties?, payload?}, becomes one request.
type SinkConfig struct {
	EndpointConfig
	// DeleteOperation is run for deleted entities (with the same shape);
	// without it, deleted entities are skipped.
	DeleteOperation string `json:"delete_operation" doc:"the operation run for deleted entities; without it they are skipped"`
	// Workers sends this many requests at once. Entities with the same
	// _id always go to the same worker, in order.
	Workers int `json:"workers" type:"integer, 1 to 64" doc:"requests sent at once; the requests of one _id go in order, from one worker"`
	Overrides
}

// Validate checks the worker count.
func (c *SinkConfig) Validate() error {
	if c.Workers < 1 || c.Workers > 64 {
		return errors.New("workers must be between 1 and 64")
	}
	return nil
}

// SinkSpec is the "rest" sink.
var SinkSpec = component.Typed(component.KindSink, "rest",
	"Sends each entity to a REST service, one request per entity, with an operation of a "+
		"[`system:rest`](systems.md#systemrest): the entity's own `operation` property, else the configured "+
		"`operation`. Entities are shaped `{\"_id\": …, \"operation\": …, \"properties\": {…}, \"payload\": …}`: "+
		"the entity's `properties` replace the configured ones for the templates, and its `payload`, when it has "+
		"one, is sent as the body instead of the configured one. A status outside `allowed_status_codes` fails "+
		"the run.\n\n"+
		"A pipe with this sink takes one entity per batch unless its `batch_size` says otherwise (25 × `workers` "+
		"with several workers), as in Sesam, so the offset moves after every request. Delivery is at least once: a request sent just before sluice stopped, whose "+
		"offset was not stored yet, is sent again on the next run.\n\n"+
		"The operation settings, from `properties` down in the table below, may be set here too, for every "+
		"operation the component runs; they then replace the operation's own.",
	func() *SinkConfig { return &SinkConfig{Workers: 1} },
	func(c *SinkConfig, env component.Env) (component.Sink, error) {
		e, err := newEndpoint(&c.EndpointConfig, &c.Overrides, env, "sink")
		if err != nil {
			return nil, err
		}
		if c.DeleteOperation != "" {
			if _, _, err := e.operation(c.DeleteOperation); err != nil {
				return nil, err
			}
		}
		return &restSink{e: e, cfg: c}, nil
	}).
	WithExample(`{"type": "rest", "system": "crm", "operation": "put-customer", "delete_operation": "delete-customer", "workers": 4}`)

type restSink struct {
	e   *endpoint
	cfg *SinkConfig
}

// BatchSize is the rest sink's default batch: one entity, as in Sesam, so
// progress is committed after every request; with several workers, enough
// to keep them all busy.
func (s *restSink) BatchSize() int {
	if s.cfg.Workers > 1 {
		return 25 * s.cfg.Workers
	}
	return 1
}

func (s *restSink) Write(ctx context.Context, es []entity.Entity) (component.WriteStats, error) {
	if s.cfg.Workers <= 1 || len(es) <= 1 {
		var stats component.WriteStats
		for _, e := range es {
			if err := s.send(ctx, e, &stats); err != nil {
				return stats, err
			}
		}
		return stats, nil
	}
	return s.writeParallel(ctx, es)
}

// writeParallel sends with the workers pulling from a shared queue (so
// none idles while others have work). Entities with the same _id form one
// group that a single worker sends in order; the first error cancels the
// rest.
func (s *restSink) writeParallel(ctx context.Context, es []entity.Entity) (component.WriteStats, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var groups [][]entity.Entity
	index := make(map[string]int, len(es))
	for _, e := range es {
		id, _ := entity.ID(e)
		if g, ok := index[id]; ok {
			groups[g] = append(groups[g], e)
			continue
		}
		index[id] = len(groups)
		groups = append(groups, []entity.Entity{e})
	}
	queue := make(chan []entity.Entity, len(groups))
	for _, g := range groups {
		queue <- g
	}
	close(queue)
	var mu sync.Mutex
	var total component.WriteStats
	var firstErr error
	var wg sync.WaitGroup
	for w := 0; w < min(s.cfg.Workers, len(groups)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var stats component.WriteStats
			var err error
		work:
			for g := range queue {
				for _, e := range g {
					if err = s.send(ctx, e, &stats); err != nil {
						cancel()
						break work
					}
				}
			}
			mu.Lock()
			total.Written += stats.Written
			total.Unchanged += stats.Unchanged
			total.Deleted += stats.Deleted
			if err != nil && (firstErr == nil || errors.Is(firstErr, context.Canceled)) {
				firstErr = err
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return total, firstErr
}

// send runs the operation for one entity.
func (s *restSink) send(ctx context.Context, raw entity.Entity, stats *component.WriteStats) error {
	d, err := dtl.DecodeEntity(raw)
	if err != nil {
		return err
	}
	del, _ := d.Get("_deleted")
	deleted := del == true
	opName := s.cfg.Operation
	if v, ok := d.Get("operation"); ok {
		if str, ok := v.(string); ok && str != "" {
			opName = str
		}
	}
	if deleted {
		if s.cfg.DeleteOperation == "" {
			stats.Unchanged++
			return nil
		}
		opName = s.cfg.DeleteOperation
	}
	name, op, err := s.e.operation(opName)
	if err != nil {
		return fmt.Errorf("entity %q: %w", entityID(d), err)
	}
	// The payload first, while it is still the entity's own bytes.
	payload := op.Payload
	if raw, ok := d.Raw("payload"); ok {
		payload = entityPayload(raw)
	}
	vars := entityVars(d, op.Properties)
	req, err := s.e.sys.buildRequest(op, vars, payload, true, "")
	if err != nil {
		return fmt.Errorf("entity %q: operation %s: %w", entityID(d), name, err)
	}
	resp, err := s.e.do(ctx, req)
	if errors.Is(err, ErrDryRun) {
		return nil
	}
	if err == nil {
		var ignored bool
		if ignored, err = checkStatus(op, req, resp); err == nil && ignored {
			stats.Unchanged++
			return nil
		}
	}
	if err != nil {
		return fmt.Errorf("entity %q: operation %s: %w", entityID(d), name, err)
	}
	stats.Written++
	if deleted {
		stats.Deleted++
	}
	return nil
}
