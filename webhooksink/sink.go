package webhooksink

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/store"
	"github.com/sluice-sync/sluice/webhook"
)

// SinkSpec is the "webhook" sink type.
var SinkSpec = component.Typed(component.KindSink, "webhook",
	"Delivers entities to any HTTP endpoint as signed ([Standard Webhooks](https://www.standardwebhooks.com/)), "+
		"batched, retried webhooks, and remembers what the endpoint has, so that each `sync_mode` sends only what "+
		"it should (the modes and payloads of valmi.io, the batching and valid/invalid streams of Pulter). "+
		"[The configuration guide](../configuration.md) describes the sync modes, the payload, signing and "+
		"delivery. Every attempt is in the delivery log, and a message that runs out of retries in the dead "+
		"letters; see [operations](../operations.md#outgoing-webhooks-deliveries).",
	defaultSinkConfig,
	func(c *SinkConfig, env component.Env) (component.Sink, error) { return NewSink(c, env) }).
	WithExample(`{
  "type": "webhook",
  "url": "https://hooks.example.com/in",
  "sync_mode": "mirror",
  "headers": {"X-Team": "data"},
  "fields": {"name": "name", "email": "contact.email"},
  "max_delete_ratio": 0.2,
  "retry": {"max_attempts": 5, "max_age": 600}
}`)

// Sink is the built webhook sink. Besides sending, it answers for its
// deliveries: list, resend, replay (deliveries.go), as a
// webhook.DeliveryLog.
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

	mu       sync.Mutex      // one writer at a time: a run, a resend or a replay
	client   *webhook.Client // built on first use, once the secret is known
	state    *endpointState  // loaded on first use
	instance string          // this data folder's sink, in webhook-ids
	run      runCounters
	// Cached so that no read transaction waits on a commit in flight:
	// the next _message_id (0 until read), the endpoints that answered
	// 410 (nil until read), the live dead letters (nil until read).
	nextMsg int64
	gone    map[string]*goneMark
	deadMu  sync.Mutex // dead is read and changed by sending and committing
	dead    map[string]bool
	// lastSubmit is closed once the latest delivery's commit is submitted.
	lastSubmit chan struct{}
	commits    asyncCommits
	inflight   *batchJob // the batch being sent, if any
	tally      counters
}

// lane is one delivery stream: "all" to url, "valid" and "invalid" to the
// URLs under streams.
type lane struct {
	name string
	url  string
	held int64 // entities the endpoint had when the run started
}

// runCounters are per run: rows are numbered from 1 in each run, and
// deletions are counted for max_delete_ratio.
type runCounters struct {
	rows    int64
	deletes map[string]int64 // by lane
}

// The sink is what the management API and the command line find behind a
// pipe, and the engine closes it.
var (
	_ webhook.DeliveryLog = (*Sink)(nil)
	_ component.Closer    = (*Sink)(nil)
)

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
	if c.URL != "" {
		s.lanes = append(s.lanes, &lane{name: "all", url: c.URL})
	}
	if c.Streams.Valid != "" {
		s.lanes = append(s.lanes, &lane{name: "valid", url: c.Streams.Valid})
	}
	if c.Streams.Invalid != "" {
		s.lanes = append(s.lanes, &lane{name: "invalid", url: c.Streams.Invalid})
	}
	s.run.deletes = map[string]int64{}
	return s, nil
}

// Datasets names the datasets the sink keeps: what its endpoints have, the
// delivery log and the dead letters.
func (s *Sink) Datasets() (state, log, dead string) {
	return s.stateDataset(), s.logDataset, s.deadDataset
}

// BatchSize makes a pipe batch one request's worth of records, so the
// pipe's offset moves with every acknowledged request.
func (s *Sink) BatchSize() int { return s.cfg.BatchSize }

func (s *Sink) Write(ctx context.Context, es []entity.Entity) (component.WriteStats, error) {
	return s.WriteWith(ctx, es, component.Progress{})
}

// WriteWith delivers a batch. Its requests go in order, each only after
// the previous one was answered; after each acknowledged request the sink
// records what the endpoint now has, and the pipe's progress commits with
// the last. The batch is prepared while the previous one is still being
// sent, and is sent in the background: WriteWith returns what the previous
// batch did, and Flush what the last one did.
func (s *Sink) WriteWith(ctx context.Context, es []entity.Entity, p component.Progress) (component.WriteStats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	show, dry := component.DryRun(ctx)
	if dry {
		return s.dryRun(es, p, show)
	}
	stats, deliveries, err := s.prepareBatch(es, p)
	if err != nil {
		_, _ = s.flush() // settle what is in flight; the state is read again
		s.state = nil
		return stats, err
	}
	if job := s.inflight; job != nil {
		s.inflight = nil
		<-job.done
		if job.err != nil {
			_, _ = s.flush()
			s.state = nil
			return stats, job.err
		}
		stats.Written, stats.Deleted = job.stats.Written, job.stats.Deleted
	}
	if len(deliveries) > 0 {
		jctx, cancel := context.WithCancel(ctx)
		job := &batchJob{deliveries: deliveries, done: make(chan struct{}), cancel: cancel}
		s.inflight = job
		go func() {
			defer cancel()
			s.execute(jctx, job)
		}()
	}
	return stats, nil
}

// prepareBatch plans and prepares a batch's deliveries on every lane.
func (s *Sink) prepareBatch(es []entity.Entity, p component.Progress) (component.WriteStats, []*delivery, error) {
	var stats component.WriteStats
	if err := s.ready(); err != nil {
		return stats, nil, err
	}
	if err := s.loadState(); err != nil {
		return stats, nil, err
	}
	items, err := s.analyze(es)
	if err != nil {
		return stats, nil, err
	}
	var out []*delivery
	for i, l := range s.lanes {
		plan := s.plan(l, items, p.FullRun)
		stats.Unchanged += plan.skipped
		w := laneWrite{lane: l, fullRun: p.FullRun, window: webhook.Window{From: p.From, To: p.To}}
		if i == len(s.lanes)-1 {
			w.commit = p.Commit
		}
		ds, err := s.prepare(w, plan)
		if err != nil {
			return stats, nil, err
		}
		out = append(out, ds...)
	}
	return stats, out, nil
}

// item is an incoming entity with what the sink needs to know of it: its
// payload members (what the endpoint receives of it) and their hash, which
// is what the state compares, so a change the payload does not show (an
// unmapped field, a bookkeeping property) sends nothing.
type item struct {
	id      string
	deleted bool
	entity  entity.Entity
	fields  []byte
	hash    uint64
	valid   bool
	reasons []string
}

// analyze reads each entity once: its _id and _deleted, and its payload
// members. It checks it when there is a check, and, except in append mode
// (which sends every version), keeps only the latest version of each id,
// at its last position.
func (s *Sink) analyze(es []entity.Entity) ([]item, error) {
	items := make([]item, 0, len(es))
	size := 0
	for _, e := range es {
		size += len(e)
	}
	buf := make([]byte, 0, size+len(es)*16)
	for _, e := range es {
		it, err := s.payload(e, buf[len(buf):])
		if err != nil {
			return nil, err
		}
		// Payloads share one buffer while they fit (append wrote in
		// place); then a new one starts.
		if n := len(it.fields); n <= cap(buf)-len(buf) {
			buf = buf[:len(buf)+n]
		} else {
			buf = make([]byte, 0, max(16<<10, 2*n))
		}
		it.fields = it.fields[:len(it.fields):len(it.fields)]
		if s.checker != nil && !it.deleted {
			ok, reasons, err := s.checker.Check(e)
			if err != nil {
				return nil, fmt.Errorf("entity %q: check: %w", it.id, err)
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
	signer, err := webhook.NewSigner(secrets...)
	if err != nil {
		return err
	}
	s.client = webhook.NewClient(signer, webhook.Retry(s.cfg.Retry))
	s.instance, err = s.instanceID()
	return err
}

// instanceID is a random id made once per data folder and pipe, so that
// webhook-ids from a new data folder never repeat an old one's.
func (s *Sink) instanceKey() string { return "webhook:" + s.pipe + ":instance" }

func (s *Sink) instanceID() (string, error) {
	key := s.instanceKey()
	v, ok, err := s.st.Value(key)
	if err != nil || ok {
		return string(v), err
	}
	id := strings.TrimPrefix(webhook.GenerateSecret(), "whsec_")[:12]
	return id, s.st.Update(func(tx *store.Tx) error { return tx.PutValue(key, []byte(id)) })
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
	sec := webhook.GenerateSecret()
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
	if s.nextMsg != 0 {
		return s.nextMsg, nil
	}
	v, ok, err := s.st.Value(s.counterKey())
	if err != nil || !ok {
		return 1, err
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("message counter: %w", err)
	}
	s.nextMsg = n
	return n, nil
}

func (s *Sink) counterKey() string { return "webhook:" + s.pipe + ":next_message_id" }
