package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/store"
)

// Register adds the webhook sink to a registry.
func Register(r *component.Registry) error { return r.Register(sinkSpec) }

var sinkSpec = component.Typed(component.KindSink, "webhook",
	"Sends entities to an HTTP endpoint as signed (Standard Webhooks), batched, retried webhooks, remembering what the endpoint has (sync_mode).",
	defaultSinkConfig,
	func(c *SinkConfig, env component.Env) (component.Sink, error) { return NewSink(c, env) })

// Sink is the built webhook sink. Besides sending, it answers for its
// deliveries: list, resend, replay (deliveries.go).
type Sink struct {
	cfg     *SinkConfig
	pipe    string
	st      *store.Store
	log     *slog.Logger
	redact  func(string) string
	checker *Checker
	lanes   []*lane
	// logDataset keeps every attempt (one version each); deadDataset the
	// messages not delivered within their retries.
	logDataset, deadDataset string

	mu     sync.Mutex // one writer at a time: a run, a resend or a replay
	client *Client    // built on first use, once the secret is known
	run    runCounters
}

// lane is one delivery stream: "all" to url, "valid" and "invalid" to the
// URLs under streams. Each remembers what its endpoint has in its own
// state dataset.
type lane struct {
	name  string
	url   string
	state string
	held  int64 // live entities in state when the run started
}

// runCounters are per run: rows are numbered from 1 in each run, and
// deletions are counted for max_delete_ratio.
type runCounters struct {
	rows    int64
	deletes map[string]int64 // by lane
}

// NewSink builds a webhook sink.
func NewSink(c *SinkConfig, env component.Env) (*Sink, error) {
	if env.Store == nil {
		return nil, errors.New("the webhook sink needs a store")
	}
	s := &Sink{cfg: c, pipe: env.PipeID, st: env.Store, log: env.Logger, redact: env.Redact,
		logDataset: "system:webhook_log:" + env.PipeID, deadDataset: "system:webhook_dead:" + env.PipeID}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.redact == nil {
		s.redact = func(x string) string { return x }
	}
	if c.Check != nil {
		ch, err := NewChecker(c.Check)
		if err != nil {
			return nil, fmt.Errorf("check: %w", err)
		}
		s.checker = ch
	}
	state := "system:webhook_state:" + env.PipeID
	if c.URL != "" {
		s.lanes = append(s.lanes, &lane{name: "all", url: c.URL, state: state})
	}
	if c.Streams.Valid != "" {
		s.lanes = append(s.lanes, &lane{name: "valid", url: c.Streams.Valid, state: state + ":valid"})
	}
	if c.Streams.Invalid != "" {
		s.lanes = append(s.lanes, &lane{name: "invalid", url: c.Streams.Invalid, state: state + ":invalid"})
	}
	s.run.deletes = map[string]int64{}
	return s, nil
}

// Datasets names the datasets the sink keeps: its state per stream, the
// delivery log and the dead letters.
func (s *Sink) Datasets() (state []string, log, dead string) {
	for _, l := range s.lanes {
		state = append(state, l.state)
	}
	return state, s.logDataset, s.deadDataset
}

// BatchSize makes a pipe batch one request's worth of records, so the
// pipe's offset moves with every acknowledged request.
func (s *Sink) BatchSize() int { return s.cfg.BatchSize }

func (s *Sink) Write(ctx context.Context, es []entity.Entity) (component.WriteStats, error) {
	return s.WriteWith(ctx, es, component.Progress{})
}

// WriteWith delivers a batch. Each request waits for its answer before the
// next goes; after each acknowledged request the sink records what the
// endpoint now has, and the pipe's progress commits with the last.
func (s *Sink) WriteWith(ctx context.Context, es []entity.Entity, p component.Progress) (component.WriteStats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	show, dry := component.DryRun(ctx)
	if !dry {
		if err := s.ready(); err != nil {
			return component.WriteStats{}, err
		}
	}
	items, err := s.analyze(es)
	if err != nil {
		return component.WriteStats{}, err
	}
	gens, err := s.laneGens(p.FullRun)
	if err != nil {
		return component.WriteStats{}, err
	}
	var stats component.WriteStats
	for i, l := range s.lanes {
		plan, err := s.plan(l, items, gens[l.name] != 0)
		if err != nil {
			return stats, err
		}
		stats.Unchanged += plan.skipped
		if dry {
			s.showPlan(l, plan, show)
			continue
		}
		w := laneWrite{lane: l, fullRun: gens[l.name], window: window{From: p.From, To: p.To}}
		if i == len(s.lanes)-1 {
			w.commit = p.Commit
		}
		if err := s.deliverPlan(ctx, w, plan, &stats); err != nil {
			return stats, err
		}
	}
	if len(s.lanes) == 0 && p.Commit != nil && !dry {
		return stats, s.st.Update(p.Commit)
	}
	return stats, nil
}

// item is an incoming entity with what the sink needs to know of it.
type item struct {
	id      string
	hash    string
	deleted bool
	entity  entity.Entity
	valid   bool
	reasons []string
}

// analyze reads each entity's id and version, checks it when there is a
// check, and, except in append mode (which sends every version), keeps
// only the latest version of each id, at its last position.
func (s *Sink) analyze(es []entity.Entity) ([]item, error) {
	items := make([]item, 0, len(es))
	for _, e := range es {
		f, err := entity.Analyze(e)
		if err != nil {
			return nil, err
		}
		it := item{id: f.ID, hash: f.Hash.String(), deleted: f.Deleted, entity: e, valid: true}
		if f.Deleted {
			it.hash = "deleted"
		}
		if s.checker != nil && !f.Deleted {
			ok, reasons, err := s.checker.Check(e)
			if err != nil {
				return nil, fmt.Errorf("entity %q: check: %w", f.ID, err)
			}
			it.valid, it.reasons = ok, reasons
		}
		items = append(items, it)
	}
	if s.cfg.SyncMode == ModeAppend {
		return items, nil
	}
	last := make(map[string]int, len(items))
	for i, it := range items {
		last[it.id] = i
	}
	if len(last) == len(items) {
		return items, nil
	}
	out := items[:0]
	for i, it := range items {
		if last[it.id] == i {
			out = append(out, it)
		}
	}
	return out, nil
}

// ready builds the client on first use, with the configured secrets or a
// generated one, kept in the store so it survives restarts.
func (s *Sink) ready() error {
	if s.client != nil {
		return nil
	}
	secrets := s.cfg.allSecrets()
	if len(secrets) == 0 {
		sec, err := s.generatedSecret()
		if err != nil {
			return err
		}
		secrets = []string{sec}
	}
	signer, err := NewSigner(secrets...)
	if err != nil {
		return err
	}
	s.client = NewClient(signer, s.cfg.Retry)
	return nil
}

func (s *Sink) generatedSecret() (string, error) {
	key := "webhook:" + s.pipe + ":secret"
	v, ok, err := s.st.Value(key)
	if err != nil {
		return "", err
	}
	if ok {
		return string(v), nil
	}
	sec := GenerateSecret()
	if err := s.st.Update(func(tx *store.Tx) error { return tx.PutValue(key, []byte(sec)) }); err != nil {
		return "", err
	}
	// Shown once, as Pulter does; set "secret" to choose your own.
	s.log.Warn("webhook sink has no secret: generated one; give it to the receiver (shown only this once), or set \"secret\"", "secret", sec)
	return sec, nil
}

// nextMessageID reads the sink's message counter: _message_id increases
// over the sink's whole life.
func (s *Sink) nextMessageID() (int64, error) {
	v, ok, err := s.st.Value(s.counterKey())
	if err != nil || !ok {
		return 1, err
	}
	return strconv.ParseInt(string(v), 10, 64)
}

func (s *Sink) counterKey() string { return "webhook:" + s.pipe + ":next_message_id" }

// window is the source offsets a message's records came from.
type window struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// laneGens maps the engine's full-run number to each lane's own (each
// state dataset counts its full runs); 0 when this is no full run.
func (s *Sink) laneGens(fullRun uint64) (map[string]uint64, error) {
	gens := map[string]uint64{}
	if fullRun == 0 {
		return gens, nil
	}
	v, ok, err := s.st.Value(s.fullRunKey())
	if err != nil {
		return nil, err
	}
	var saved fullRunGens
	if ok {
		if err := json.Unmarshal(v, &saved); err != nil {
			return nil, fmt.Errorf("full-run state: %w", err)
		}
	}
	if !ok || saved.Run != fullRun {
		return nil, fmt.Errorf("full run %d was not started by this sink", fullRun)
	}
	return saved.Lanes, nil
}

func (s *Sink) fullRunKey() string { return "webhook:" + s.pipe + ":full_run" }

// fullRunGens ties the engine's full-run number to the lanes' own.
type fullRunGens struct {
	Run   uint64            `json:"run"`
	Lanes map[string]uint64 `json:"lanes"`
}
