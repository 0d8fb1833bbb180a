package urlsys

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"

	"github.com/google/uuid"
	"github.com/tidwall/gjson"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
)

// JSONSinkConfig is the config of the "json" sink: Sesam's JSON push
// protocol.
type JSONSinkConfig struct {
	System    string            `json:"system" doc:"the _id of the system:url the requests go through; without it, url is an absolute http(s):// URL and the system's defaults apply"`
	URL       string            `json:"url" cfg:"required" doc:"the JSON push endpoint, such as another sluice's api/receivers/<pipe>/entities: put into the system's url_pattern, or resolved against its base_url"`
	Headers   map[string]string `json:"headers" doc:"request headers, over the system's; Content-Type is application/json unless set here"`
	BatchSize int               `json:"batch_size" doc:"the most entities POSTed in one request; more are split across requests. Also the pipe's batch size unless the pipe sets one, so the pipe's offset moves after every request"`
}

// Validate checks the batch size.
func (c *JSONSinkConfig) Validate() error {
	if c.BatchSize < 1 {
		return &pipes.FieldError{Field: "batch_size", Err: errors.New("batch_size must be 1 or more")}
	}
	return nil
}

// SystemRef names the system, so the config loader can check it exists.
func (c *JSONSinkConfig) SystemRef() string { return c.System }

// ConfigSecrets lists the credential headers and the credentials written
// into the URL.
func (c *JSONSinkConfig) ConfigSecrets() []string {
	return append(pipes.HeaderSecrets(c.Headers), pipes.URLSecrets(c.URL)...)
}

// JSONSinkSpec is the "json" sink.
var JSONSinkSpec = component.Typed(component.KindSink, "json",
	"Sends entities by Sesam's JSON push protocol: each batch is POSTed as a JSON array, through a "+
		"[`system:url`](systems.md#systemurl), to an endpoint such as another sluice's "+
		"`/api/receivers/<pipe>/entities` (an [`http_endpoint` source](sources.md#http_endpoint)). "+
		"Every request carries `sequence_id`, `is_full`, `request_id` and, after the first, `previous_request_id`.\n\n"+
		"A full run of the pipe (the first, one after `sluice pump --full`, or every run of a source without `since`) "+
		"is sent as one **full sync**: `is_full=true` on every request, `is_first=true` on the first and `is_last=true` "+
		"on a last, empty request after the run's entities, so that the receiving side deletes what the run did not "+
		"send. While the receiver writes one batch of a full sync, the next is already on its way (a receiver takes a "+
		"sequence's requests in order, and refuses with 409 one that overtook the one before it; the sink sends that "+
		"one again once the one before is answered). The sequence is kept with the pipe's offset, so a run that "+
		"resumes after a crash goes on with it. A "+
		"`409 Conflict` (the receiver lost the sequence, say because it restarted) fails the run and makes the next "+
		"run a full run again, from the start, as a new sequence. Other runs send `is_full=false`.\n\n"+
		"A request that fails to connect, or gets 408, 429 or a 5xx, is sent again as it was (the system's "+
		"`retries`); a receiver recognises the repeated `request_id`. Delivery is at least once: a request sent just "+
		"before sluice stopped, whose offset was not stored yet, is sent again on the next run.",
	func() *JSONSinkConfig { return &JSONSinkConfig{BatchSize: 100} },
	func(c *JSONSinkConfig, env component.Env) (component.Sink, error) {
		if env.Store == nil {
			return nil, errors.New("the json sink needs a store")
		}
		sys, owned, err := systemFor(env, c.System)
		if err != nil {
			return nil, err
		}
		s := &jsonSink{cfg: c, sys: sys, owned: owned, st: env.Store, pipe: env.PipeID}
		if err := s.init(); err != nil {
			if owned {
				sys.Close(context.Background())
			}
			return nil, err
		}
		return s, nil
	}).
	WithExample(`{"type": "json", "system": "other-sluice", "url": "receivers/customers/entities", "batch_size": 1000}`)

// jsonSink is the built json sink.
type jsonSink struct {
	cfg   *JSONSinkConfig
	sys   *System
	owned bool // a system of its own, closed with the sink
	st    *store.Store
	pipe  string
	url   *url.URL

	// mu serialises the engine's calls (and pushed batches, when the
	// sink relays a receiver's); a full sync's batch may still be on
	// its way when WriteWith returns (see fullBatch).
	mu     sync.Mutex
	full   *sequence // the full sync under way, if any
	inc    sequence  // the requests of an incremental run
	flight *batchJob // the full-sync batch not reported yet
}

// sequence is a chain of requests: a full sync, kept in the store with the
// pipe's offset, or the requests of an incremental run.
type sequence struct {
	FullRun uint64 `json:"full_run,omitempty"`
	ID      string `json:"sequence_id"`
	// Requests counts the requests acknowledged and committed with the
	// pipe's offset; sent counts those handed out.
	Requests int `json:"requests"`
	sent     int
}

// batchJob is one full-sync batch on its way: its requests, then its
// commit once the batch before it committed.
type batchJob struct {
	done  chan struct{}
	stats component.WriteStats
	err   error
}

var (
	_ component.TransactionalSink = (*jsonSink)(nil)
	_ component.DeletionTracker   = (*jsonSink)(nil)
	_ component.RunObserver       = (*jsonSink)(nil)
	_ component.Flusher           = (*jsonSink)(nil)
)

func (s *jsonSink) init() error {
	raw, err := s.sys.URL(s.cfg.URL)
	if err != nil {
		return err
	}
	if s.url, err = url.Parse(raw); err != nil {
		return fmt.Errorf("url %q: %w", redactURL(raw), err)
	}
	s.inc = sequence{ID: uuid.NewString()}
	return nil
}

// BatchSize makes a pipe batch one request, unless the pipe says.
func (s *jsonSink) BatchSize() int { return s.cfg.BatchSize }

// Close closes a system of the sink's own.
func (s *jsonSink) Close(ctx context.Context) error {
	if s.owned {
		return s.sys.Close(ctx)
	}
	return nil
}

// PipeLoaded does nothing: the sink has nothing to prepare.
func (s *jsonSink) PipeLoaded(context.Context) error { return nil }

// RunStarted begins a new incremental sequence for the run.
func (s *jsonSink) RunStarted(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inc = sequence{ID: uuid.NewString()}
	return nil
}

// RunCompleted does nothing: the engine flushed the last batch already.
func (s *jsonSink) RunCompleted(context.Context, bool) error { return nil }

func (s *jsonSink) seqKey() string  { return "jsonsink:" + s.pipe + ":sequence" }
func (s *jsonSink) runsKey() string { return "jsonsink:" + s.pipe + ":full_runs" }

// BeginFullRun starts a full sync: a new sequence, numbered and kept in
// the store, whose first request says is_first.
func (s *jsonSink) BeginFullRun(ctx context.Context) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.flush(ctx); err != nil {
		return 0, err
	}
	v, _, err := s.st.Value(s.runsKey())
	if err != nil {
		return 0, err
	}
	n, _ := strconv.ParseUint(string(v), 10, 64)
	n++
	seq := &sequence{FullRun: n, ID: uuid.NewString()}
	b, _ := json.Marshal(seq)
	err = s.st.Update(func(tx *store.Tx) error {
		if err := tx.PutValue(s.runsKey(), strconv.AppendUint(nil, n, 10)); err != nil {
			return err
		}
		return tx.PutValue(s.seqKey(), b)
	})
	if err != nil {
		return 0, err
	}
	s.full = seq
	return n, nil
}

// sequenceFor is the full sync of full run n: the one under way, or the
// one kept in the store when a run resumes after a failure, or after
// sluice stopped.
func (s *jsonSink) sequenceFor(n uint64) (*sequence, error) {
	if s.full != nil && s.full.FullRun == n {
		return s.full, nil
	}
	v, ok, err := s.st.Value(s.seqKey())
	if err != nil {
		return nil, err
	}
	var seq sequence
	if ok && json.Unmarshal(v, &seq) == nil && seq.FullRun == n {
		seq.sent = seq.Requests
		s.full = &seq
		return s.full, nil
	}
	return nil, s.abandon(fmt.Errorf("full run %d has no sequence to go on with", n))
}

// abandon gives up the full sync under way: the pipe starts again from
// the beginning on its next run, with a new sequence, since the receiver
// can only delete what a whole sequence did not send.
func (s *jsonSink) abandon(cause error) error {
	s.full = nil
	err := s.st.Update(func(tx *store.Tx) error {
		if err := tx.DeleteValue(s.seqKey()); err != nil {
			return err
		}
		if s.pipe == "" {
			return nil
		}
		st, err := s.st.PipeState(s.pipe)
		if err != nil {
			return err
		}
		st.LastSeen, st.FullRun = "", 0
		return tx.PutPipeState(s.pipe, st)
	})
	return errors.Join(fmt.Errorf("%w; the next run of the pipe sends everything again, as a new full sync", cause), err)
}

// failed handles a full sync's failure: a conflict abandons the sequence;
// anything else leaves it to go on from what the store kept.
func (s *jsonSink) failed(err error) error {
	if errors.Is(err, errConflict) && s.full != nil {
		return s.abandon(err)
	}
	s.full = nil // taken from the store again: requests in flight never committed
	return err
}

// Write sends a batch outside any full sync (in a dry run, it shows the
// requests instead).
func (s *jsonSink) Write(ctx context.Context, es []entity.Entity) (component.WriteStats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if show, dry := component.DryRun(ctx); dry {
		s.showDry(show, es)
		return component.WriteStats{}, nil
	}
	stats, err := s.flush(ctx)
	if err != nil {
		return stats, err
	}
	more, err := s.send(ctx, es, &s.inc, false, false)
	return add(stats, more), err
}

// WriteWith sends a batch and commits the pipe's progress (and where a
// full sync got to) once the receiver has taken every request of it.
//
// A full sync's batch is still on its way when WriteWith returns, and
// WriteWith reports the batch before it (component.Flusher): the
// receiver reads and checks a request while it writes the one before, and
// the engine reads the next batch meanwhile. The receiver takes a
// sequence's requests in order only (a request that overtook the one
// before is refused with 409, written nowhere, and sent again once that
// one is answered), and each batch commits after the one before it.
// Incremental batches go one at a time, in order, since a receiver writes
// those as they come.
func (s *jsonSink) WriteWith(ctx context.Context, es []entity.Entity, p component.Progress) (component.WriteStats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.FullRun == 0 {
		stats, err := s.flush(ctx)
		if err != nil {
			return stats, err
		}
		more, err := s.send(ctx, es, &s.inc, false, false)
		stats = add(stats, more)
		if err != nil {
			return stats, err
		}
		return stats, s.commit(p.Commit, nil)
	}
	seq, err := s.sequenceFor(p.FullRun)
	if err != nil {
		_, _ = s.flush(ctx)
		return component.WriteStats{}, err
	}
	prev := s.flight
	job := &batchJob{done: make(chan struct{})}
	s.flight = job
	first := seq.sent
	seq.sent += requests(len(es), s.cfg.BatchSize, false)
	snapshot := sequence{FullRun: seq.FullRun, ID: seq.ID, Requests: seq.sent}
	go s.fullBatch(ctx, job, prev, es, snapshot, first, p.Commit)
	if prev == nil {
		return component.WriteStats{}, nil
	}
	<-prev.done
	if prev.err != nil {
		return prev.stats, s.failed(prev.err)
	}
	return prev.stats, nil
}

// fullBatch sends a full sync's batch as requests first+1, first+2, …
// and commits it, with the sequence as snapshot says, once prev (the
// batch before, nil for none) committed.
func (s *jsonSink) fullBatch(ctx context.Context, job, prev *batchJob, es []entity.Entity, snapshot sequence, first int, commit func(*store.Tx) error) {
	defer close(job.done)
	seq := snapshot
	seq.sent = first
	stats, err := s.sendAfter(ctx, es, &seq, prev)
	job.stats = stats
	if prev != nil {
		<-prev.done
		if prev.err != nil {
			// Not a conflict of this batch's own: what failed is the
			// batch before, which the engine is told of.
			err = errors.New("the batch before failed")
		}
	}
	if err == nil {
		err = s.commit(commit, &snapshot)
	}
	job.err = err
}

// sendAfter sends es in seq; a first request refused with 409 while prev
// was still on its way may have overtaken it, and goes again once prev
// is answered.
func (s *jsonSink) sendAfter(ctx context.Context, es []entity.Entity, seq *sequence, prev *batchJob) (component.WriteStats, error) {
	stats, err := s.send(ctx, es, seq, true, false)
	if err == nil || prev == nil || !errors.Is(err, errConflict) || stats.Written > 0 {
		return stats, err
	}
	select {
	case <-prev.done:
	case <-ctx.Done():
		return stats, ctx.Err()
	}
	if prev.err != nil {
		return stats, err
	}
	return s.send(ctx, es, seq, true, false)
}

// Flush waits for the full-sync batch still on its way and reports it.
func (s *jsonSink) Flush(ctx context.Context) (component.WriteStats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flush(ctx)
}

func (s *jsonSink) flush(context.Context) (component.WriteStats, error) {
	job := s.flight
	if job == nil {
		return component.WriteStats{}, nil
	}
	s.flight = nil
	<-job.done
	if job.err != nil {
		return job.stats, s.failed(job.err)
	}
	return job.stats, nil
}

// commit records the pipe's progress, and where a full sync got to.
func (s *jsonSink) commit(progress func(*store.Tx) error, seq *sequence) error {
	return s.st.Update(func(tx *store.Tx) error {
		if progress != nil {
			if err := progress(tx); err != nil {
				return err
			}
		}
		if seq == nil {
			return nil
		}
		b, _ := json.Marshal(seq)
		return tx.PutValue(s.seqKey(), b)
	})
}

// EndFullRun ends the full sync with a last, empty request (is_last), on
// which the receiver deletes what the sequence did not send. What it
// deleted is the receiver's to count.
func (s *jsonSink) EndFullRun(ctx context.Context, fullRun uint64, commit func(*store.Tx) error) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.flush(ctx); err != nil {
		return 0, err
	}
	seq, err := s.sequenceFor(fullRun)
	if err != nil {
		return 0, err
	}
	if _, err := s.send(ctx, nil, seq, true, true); err != nil {
		return 0, s.failed(err)
	}
	s.full = nil
	return 0, s.st.Update(func(tx *store.Tx) error {
		if err := commit(tx); err != nil {
			return err
		}
		return tx.DeleteValue(s.seqKey())
	})
}

// errConflict is a 409 answer: the receiver does not know the sequence,
// or the request is not the next in it.
var errConflict = errors.New("409 Conflict")

// requests is how many requests send makes for n entities.
func requests(n, size int, last bool) int {
	if n == 0 {
		if last {
			return 1
		}
		return 0
	}
	return (n + size - 1) / size
}

// send POSTs es in requests of at most batch_size entities, as the next
// requests of seq (a full sync when full; its last request says is_last
// when last is set).
func (s *jsonSink) send(ctx context.Context, es []entity.Entity, seq *sequence, full, last bool) (component.WriteStats, error) {
	var stats component.WriteStats
	body := bodies.Get().(*bytes.Buffer)
	defer bodies.Put(body)
	for start := 0; start < len(es) || (last && start == 0); {
		end := min(start+s.cfg.BatchSize, len(es))
		chunk := es[start:end]
		if err := s.post(ctx, body, chunk, seq, full, last && end == len(es)); err != nil {
			return stats, err
		}
		seq.sent++
		stats.Written += len(chunk)
		for _, e := range chunk {
			if gjson.GetBytes(e, entity.PropDeleted).Bool() {
				stats.Deleted++
			}
		}
		if end == len(es) {
			break
		}
		start = end
	}
	if !full {
		seq.Requests = seq.sent
	}
	return stats, nil
}

// bodies are request bodies to reuse.
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// post sends request seq.sent+1 of seq, with es as its body.
func (s *jsonSink) post(ctx context.Context, body *bytes.Buffer, es []entity.Entity, seq *sequence, full, last bool) error {
	u := s.requestURL(seq, full, last)
	body.Reset()
	body.WriteByte('[')
	for i, e := range es {
		if i > 0 {
			body.WriteByte(',')
		}
		body.Write(e)
	}
	body.WriteByte(']')
	resp, err := s.sys.DoRetry(ctx, func() (*http.Request, error) {
		req, err := http.NewRequest(http.MethodPost, u, bytes.NewReader(body.Bytes()))
		if err != nil {
			return nil, err
		}
		for k, v := range s.cfg.Headers {
			req.Header.Set(k, v)
		}
		if req.Header.Get("Content-Type") == "" {
			req.Header.Set("Content-Type", "application/json")
		}
		return req, nil
	})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode <= 299:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // so the connection can be reused
		return nil
	case resp.StatusCode == http.StatusConflict:
		return fmt.Errorf("POST %s: the receiver refused the request with %w: %s", redactURL(u), errConflict, excerpt(resp.Body))
	case resp.StatusCode == http.StatusRequestEntityTooLarge:
		return fmt.Errorf("POST %s: %s: %s (lower the sink's batch_size, now %d)", redactURL(u), resp.Status, excerpt(resp.Body), s.cfg.BatchSize)
	}
	return fmt.Errorf("POST %s: %s: %s", redactURL(u), resp.Status, excerpt(resp.Body))
}

// requestURL is the sink's URL with the JSON push protocol's parameters
// for request seq.sent+1 of seq.
func (s *jsonSink) requestURL(seq *sequence, full, last bool) string {
	n := seq.sent + 1
	q := s.url.Query()
	q.Set("sequence_id", seq.ID)
	q.Set("is_full", strconv.FormatBool(full))
	q.Set("request_id", strconv.Itoa(n))
	if n > 1 {
		q.Set("previous_request_id", strconv.Itoa(n-1))
	}
	if full && n == 1 {
		q.Set("is_first", "true")
	}
	if full && last {
		q.Set("is_last", "true")
	}
	u := *s.url
	u.RawQuery = q.Encode()
	return u.String()
}

func add(a, b component.WriteStats) component.WriteStats {
	return component.WriteStats{Written: a.Written + b.Written, Unchanged: a.Unchanged + b.Unchanged, Deleted: a.Deleted + b.Deleted}
}

// showDry says what a dry run would send.
func (s *jsonSink) showDry(show func(string), es []entity.Entity) {
	for start := 0; start < len(es); start += s.cfg.BatchSize {
		end := min(start+s.cfg.BatchSize, len(es))
		what := "entities"
		if end-start == 1 {
			what = "entity"
		}
		show(fmt.Sprintf("POST %s (%d %s)", redactURL(s.url.String()), end-start, what))
	}
}
