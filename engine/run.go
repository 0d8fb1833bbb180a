package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/store"
)

// RunOptions tune one run.
type RunOptions struct {
	// Full resets the pipe: it reads its source from the start and, at the
	// end, deletes from its dataset what the run did not see.
	Full bool
	// Progress, when set, is called after every committed batch with the
	// run's counts so far (for a progress line on a terminal).
	Progress func(Summary)
}

// Run statuses.
const (
	StatusCompleted = "completed"
	StatusFailed    = "failed"
)

// Summary describes a finished run.
type Summary struct {
	Pipe   string `json:"pipe"`
	Status string `json:"status"`
	// Full is true for a run that read its source from the start.
	Full bool `json:"full"`
	Read int  `json:"read"`
	// Written counts the changes the sink made (new dataset versions),
	// deletions included; Deleted counts the deletions among them.
	Written int `json:"written"`
	Deleted int `json:"deleted"`
	// StartOffset is the offset the run started from (absent for a run
	// from the beginning); Offset is the pipe's stored offset after the
	// run: a number for numeric offsets, a string otherwise, null when it
	// has none.
	StartOffset json.RawMessage `json:"start_offset,omitempty"`
	Offset      json.RawMessage `json:"offset"`
	DurationMS  int64           `json:"duration_ms"`
	Started     time.Time       `json:"started"`
	Error       string          `json:"error,omitempty"`
	// DryRun marks a run that sent nothing and changed nothing.
	DryRun bool `json:"dry_run,omitempty"`
}

// defaultBatchSize is used when a pipe sets no batch_size. Dataset sinks
// commit one transaction per batch, so a larger batch pays off there.
func (p *Pipe) batchSize() int {
	if p.Config.BatchSize > 0 {
		return p.Config.BatchSize
	}
	if b, ok := p.Sink.(interface{ BatchSize() int }); ok {
		return b.BatchSize()
	}
	if p.SinkDataset() != "" {
		return 1000
	}
	return 100
}

// Run runs a pipe once. The returned error is the run's failure; the
// summary is filled in either way, and reporting it is the caller's job.
func (e *Engine) Run(ctx context.Context, id string, opts RunOptions) (Summary, error) {
	p, err := e.Pipe(id)
	if err != nil {
		return Summary{Pipe: id, Status: StatusFailed, Error: err.Error(), Offset: json.RawMessage("null")}, err
	}
	done, err := e.begin()
	if err != nil {
		err = fmt.Errorf("pipe %q: %w", id, err)
		return Summary{Pipe: id, Status: StatusFailed, Error: err.Error(), Offset: json.RawMessage("null")}, err
	}
	defer done()
	if !p.running.TryLock() {
		err := fmt.Errorf("pipe %q: %w", id, ErrRunning)
		return Summary{Pipe: id, Status: StatusFailed, Error: err.Error(), Offset: json.RawMessage("null")}, err
	}
	defer p.running.Unlock()

	_, dryRun := component.DryRun(ctx)
	var trace *component.Trace // what traced components send, for the run's last event
	if !dryRun {
		trace = component.NewTrace(traceLimit, e.cfg.RedactBytes)
		ctx = component.WithTrace(ctx, trace)
	}
	r := &run{e: e, p: p, opts: opts, dryRun: dryRun, sum: Summary{Pipe: id, Started: time.Now().UTC(), DryRun: dryRun}}
	if st, serr := e.store.PipeState(id); serr == nil && st.Disabled {
		err := fmt.Errorf("pipe %q: %w (enable it first)", id, ErrDisabled)
		r.sum.Status, r.sum.Error, r.sum.Offset = StatusFailed, err.Error(), offsetJSON(st.LastSeen)
		return r.sum, err
	}
	if !dryRun {
		if err := e.recordEvent("pump-started", r.sum, nil); err != nil {
			// Nothing ran (a full disk, say): the summary says why.
			err = fmt.Errorf("pipe %q: recording the start of the run: %w", id, err)
			r.sum.Status, r.sum.Error, r.sum.Offset = StatusFailed, e.cfg.Redact(err.Error()), json.RawMessage("null")
			return r.sum, err
		}
	}
	err = r.do(ctx)
	r.sum.DurationMS = time.Since(r.sum.Started).Milliseconds()
	r.sum.Offset = offsetJSON(r.state.LastSeen)
	if err != nil {
		err = fmt.Errorf("pipe %q: %w", id, err)
		r.sum.Status, r.sum.Error = StatusFailed, e.cfg.Redact(err.Error())
	} else {
		r.sum.Status = StatusCompleted
	}
	if !dryRun {
		if serr := e.recordRun(id, r.sum); serr != nil && err == nil {
			err = serr
		}
		event := "pump-completed"
		if err != nil {
			event = "pump-failed"
		}
		if serr := e.recordEvent(event, r.sum, trace); serr != nil && err == nil {
			err = serr
		}
		if err != nil && r.sum.Status == StatusCompleted {
			// The run did its work, but its record could not be kept.
			err = fmt.Errorf("pipe %q: recording the run: %w", id, err)
			r.sum.Status, r.sum.Error = StatusFailed, e.cfg.Redact(err.Error())
		}
	}
	return r.sum, err
}

// run is the state of one run.
type run struct {
	e       *Engine
	p       *Pipe
	opts    RunOptions
	dryRun  bool // change nothing: no dataset writes, offsets or run records
	sum     Summary
	state   store.PipeState
	fullRun uint64 // the sink's full-run number, when tracking deletions
	// completeness is what the sink dataset gets when the run succeeds
	// (0: nothing), taken when the run starts.
	completeness int64
	upstream     map[string]int64
}

func (r *run) do(ctx context.Context) (err error) {
	st, err := r.e.store.PipeState(r.p.Config.ID)
	if err != nil {
		return err
	}
	r.state = st
	if _, pushed := r.p.Source.(component.PushedSource); pushed {
		return nil // entities arrive by push; there is nothing to read or sweep
	}
	if _, pulled := r.p.Sink.(component.PulledSink); pulled {
		return nil // the pipe is read when a client asks for it (Pull)
	}
	if _, ok := r.p.Sink.(component.Flusher); ok && !r.dryRun {
		defer func() {
			if ferr := r.flush(ctx); ferr != nil && err == nil {
				err = ferr
			}
		}()
	}
	supportsSince := r.p.Source.SupportsSince()
	resuming := st.FullRun != 0 && !r.opts.Full && supportsSince && st.LastSeen != ""
	if r.opts.Full || !supportsSince {
		r.state.LastSeen, r.state.FullRun = "", 0
	}
	r.sum.Full = r.state.LastSeen == "" || resuming
	if r.state.LastSeen != "" {
		r.sum.StartOffset = offsetJSON(r.state.LastSeen)
	}
	if r.dryRun {
		req := component.ReadRequest{Since: r.state.LastSeen, BatchSize: r.p.batchSize()}
		return r.p.Source.Read(ctx, req, func(b component.Batch) error { return r.dryBatch(ctx, b) })
	}
	if r.p.SinkDataset() != "" {
		if ts, up, ok := r.e.inheritedCompleteness(r.p.Config, r.sum.Started.UnixMicro()); ok {
			r.completeness, r.upstream = ts, up
		}
	}
	if err := r.beginFullRun(ctx, resuming); err != nil {
		return err
	}
	if o, ok := r.p.Sink.(component.RunObserver); ok {
		if err := o.RunStarted(ctx); err != nil {
			return err
		}
	}
	req := component.ReadRequest{Since: r.state.LastSeen, BatchSize: r.p.batchSize()}
	if err := r.p.Source.Read(ctx, req, func(b component.Batch) error { return r.batch(ctx, b) }); err != nil {
		return err
	}
	if err := r.flush(ctx); err != nil {
		return err
	}
	if err := r.endFullRun(ctx); err != nil {
		return err
	}
	if o, ok := r.p.Sink.(component.RunObserver); ok {
		populated := true
		if ps, ok := r.p.Source.(component.PopulatedSource); ok {
			populated = ps.Populated()
		}
		if err := o.RunCompleted(ctx, populated); err != nil {
			return err
		}
	}
	if r.completeness != 0 {
		if err := r.e.store.SetCompleteness(r.p.SinkDataset(), r.completeness, r.upstream); err != nil {
			return fmt.Errorf("completeness: %w", err)
		}
	}
	return r.e.store.Sync()
}

// flush waits for a sink that delivers in the background (a Flusher) and
// counts what its last batch did. After a failure, the pipe's state is
// what the store has: the batches in flight never committed.
func (r *run) flush(ctx context.Context) error {
	f, ok := r.p.Sink.(component.Flusher)
	if !ok || r.dryRun {
		return nil
	}
	stats, err := f.Flush(ctx)
	r.sum.Written += stats.Written
	r.sum.Deleted += stats.Deleted
	if err != nil {
		if st, serr := r.e.store.PipeState(r.p.Config.ID); serr == nil {
			r.state = st
		}
		return fmt.Errorf("sink (%s): %w", r.p.Config.Sink.Type, err)
	}
	return nil
}

// beginFullRun starts (or, after a crash, resumes) deletion tracking.
func (r *run) beginFullRun(ctx context.Context, resuming bool) error {
	dt, ok := r.p.Sink.(component.DeletionTracker)
	if !ok || !r.sum.Full {
		return nil
	}
	if resuming {
		r.fullRun = r.state.FullRun
		return nil
	}
	n, err := dt.BeginFullRun(ctx)
	if err != nil {
		return err
	}
	r.fullRun = n
	return nil
}

// batch pushes one source batch through the transforms into the sink and
// commits the pipe's progress with it.
func (r *run) batch(ctx context.Context, b component.Batch) error {
	r.sum.Read += len(b.Entities)
	out, err := r.transform(ctx, b.Entities)
	if err != nil {
		return err
	}
	next := r.state
	if r.p.Source.SupportsSince() {
		next.LastSeen = b.Since
	}
	next.FullRun = r.fullRun
	commit := func(tx *store.Tx) error { return tx.PutPipeState(r.p.Config.ID, next) }

	var stats component.WriteStats
	if ts, ok := r.p.Sink.(component.TransactionalSink); ok {
		stats, err = ts.WriteWith(ctx, out, component.Progress{FullRun: r.fullRun, Commit: commit, From: r.state.LastSeen, To: b.Since})
	} else {
		if stats, err = r.p.Sink.Write(ctx, out); err == nil {
			err = r.e.store.Update(commit)
		}
	}
	if err != nil {
		// A sink that delivers in the background may have failed on an
		// earlier batch: what is committed is what the store has.
		if st, serr := r.e.store.PipeState(r.p.Config.ID); serr == nil {
			r.state = st
		}
		return fmt.Errorf("sink (%s): %w", r.p.Config.Sink.Type, err)
	}
	r.state = next
	r.sum.Written += stats.Written
	r.sum.Deleted += stats.Deleted
	if r.opts.Progress != nil {
		r.opts.Progress(r.sum)
	}
	return nil
}

// dryBatch runs one batch through the transforms (whose side-effecting
// requests report instead of sending) and hands it to a sink that writes
// outside sluice, which reports too (through Write, never WriteWith); a
// sink that writes a dataset is skipped, and no progress is committed.
func (r *run) dryBatch(ctx context.Context, b component.Batch) error {
	r.sum.Read += len(b.Entities)
	out, err := r.transform(ctx, b.Entities)
	if err != nil {
		return err
	}
	if r.p.SinkDataset() != "" {
		return nil
	}
	if _, err := r.p.Sink.Write(ctx, out); err != nil {
		return fmt.Errorf("sink (%s): %w", r.p.Config.Sink.Type, err)
	}
	if r.p.Source.SupportsSince() {
		r.state.LastSeen = b.Since
	}
	return nil
}

// transform runs entities through the pipe's transforms in order.
func (r *run) transform(ctx context.Context, es []entity.Entity) ([]entity.Entity, error) {
	for i, t := range r.p.Transforms {
		var err error
		if es, err = t.Transform(ctx, es); err != nil {
			return nil, fmt.Errorf("transform %d (%s): %w", i, r.p.TransformNames[i], err)
		}
	}
	return es, nil
}

// endFullRun deletes what a full run did not see and clears the run's mark,
// in the same transaction as the last deletions.
func (r *run) endFullRun(ctx context.Context) error {
	if r.fullRun == 0 {
		return nil
	}
	next := r.state
	next.FullRun = 0
	commit := func(tx *store.Tx) error { return tx.PutPipeState(r.p.Config.ID, next) }
	n, err := r.p.Sink.(component.DeletionTracker).EndFullRun(ctx, r.fullRun, commit)
	r.sum.Written += n
	r.sum.Deleted += n
	if err != nil {
		return fmt.Errorf("deletion tracking: %w", err)
	}
	r.state = next
	return nil
}

// recordRun keeps the summary as the pipe's last run.
func (e *Engine) recordRun(id string, sum Summary) error {
	b, err := json.Marshal(sum)
	if err != nil {
		return err
	}
	st, err := e.store.PipeState(id)
	if err != nil {
		return err
	}
	st.LastRun = b
	return e.store.Update(func(tx *store.Tx) error { return tx.PutPipeState(id, st) })
}

// OffsetJSON shows an offset as a JSON number when it is one, null when
// there is none.
func OffsetJSON(since string) json.RawMessage { return offsetJSON(since) }

// offsetJSON shows an offset as a JSON number when it is one.
func offsetJSON(since string) json.RawMessage {
	if since == "" {
		return json.RawMessage("null")
	}
	if _, err := strconv.ParseFloat(since, 64); err == nil && json.Valid([]byte(since)) {
		return json.RawMessage(since)
	}
	b, _ := json.Marshal(since)
	return b
}
