package component

import (
	"context"
	"log/slog"

	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
)

// Batch is one step of a source's stream.
type Batch struct {
	Entities []entity.Entity
	// Since is the continuation token to store once this batch is written:
	// a later run resumes after it. A source that can only tell where it
	// got to at the end of its stream repeats the token it was given until
	// its last batch.
	Since string
}

// ReadRequest says where a source starts.
type ReadRequest struct {
	// Since is the stored continuation token; "" means from the beginning.
	Since string
	// BatchSize is the number of entities the pump wants per batch.
	BatchSize int
}

// Source streams entities into a pipe.
//
// Lifecycle: built once per loaded config; Read may be called many times,
// never concurrently for one pipe.
type Source interface {
	// Read streams the entities after req.Since to emit, batch by batch,
	// and returns when the stream ends, ctx is done, or emit returns an
	// error (which Read returns).
	Read(ctx context.Context, req ReadRequest, emit func(Batch) error) error
	// SupportsSince reports whether Read honours req.Since. A source that
	// does not gives a full run every time.
	SupportsSince() bool
}

// PushedSource is a source whose entities are pushed to sluice (an HTTP
// receiver) and written straight to the pipe's dataset: a run of its pipe
// does nothing, and in particular never tracks deletions.
type PushedSource interface {
	Pushed()
}

// PopulatedSource is a source that knows whether its data is complete, for
// a sink's "populated" flag (set_initial_offset "if-source-populated").
// Sources without it count as populated once read to the end.
type PopulatedSource interface {
	Populated() bool
}

// Transform maps a batch of entities to a batch; its output is the next
// transform's input. Transforms are safe for use by one run at a time.
type Transform interface {
	Transform(ctx context.Context, in []entity.Entity) ([]entity.Entity, error)
}

// WriteStats counts what a sink did with a batch.
type WriteStats struct {
	Written   int // entities that changed the destination
	Unchanged int // entities the destination already had
	Deleted   int // deletions among Written
}

// Sink receives a pipe's entities.
type Sink interface {
	// Write delivers a batch and returns once the destination has it.
	Write(ctx context.Context, entities []entity.Entity) (WriteStats, error)
}

// Progress is what a transactional sink commits with a batch.
type Progress struct {
	// FullRun is the full-run number to stamp entities with, or 0.
	FullRun uint64
	// Commit records the pipe's new state inside the sink's transaction.
	Commit func(*store.Tx) error
	// From and To are the source's continuation tokens before and after
	// the batch (its window), for sinks that log where records came from.
	From, To string
	// Atomic asks a sink that writes to the store to refuse a batch that
	// does not fit in one transaction (store.ErrTooBig) rather than commit
	// it in parts: pushed batches are answered all or nothing.
	Atomic bool
}

// TransactionalSink writes a batch and the pipe's progress atomically, so a
// crash can never lose a batch or apply it twice. The pump uses WriteWith
// instead of Write for such sinks; for others it commits progress after
// Write returns.
type TransactionalSink interface {
	Sink
	WriteWith(ctx context.Context, entities []entity.Entity, p Progress) (WriteStats, error)
}

// DeletionTracker is a sink that, after a full run, deletes what the run
// did not deliver.
type DeletionTracker interface {
	// BeginFullRun starts tracking a full run and returns its number, or 0
	// when the sink does not track deletions (deletion_tracking false).
	BeginFullRun(ctx context.Context) (uint64, error)
	// EndFullRun deletes what the run did not see and commits with commit.
	EndFullRun(ctx context.Context, fullRun uint64, commit func(*store.Tx) error) (deleted int, err error)
}

// Flusher is a sink that may still be delivering a batch, and recording
// what it delivered, when WriteWith returns; WriteWith then reports what
// the batch before did. The engine flushes it once the source is read,
// and before a failed run ends; Flush reports what the last batch did, and
// the run fails if it fails.
type Flusher interface {
	Flush(ctx context.Context) (WriteStats, error)
}

// RunObserver is a sink that reacts to the pipe's lifecycle, such as the
// dataset sink marking its dataset populated (set_initial_offset).
type RunObserver interface {
	PipeLoaded(ctx context.Context) error
	RunStarted(ctx context.Context) error
	RunCompleted(ctx context.Context, sourcePopulated bool) error
}

// Env is what a component may use when it is built.
type Env struct {
	PipeID string
	Store  *store.Store
	Logger *slog.Logger
	// Namespaces are the pipe's namespaced-identifier settings, which DTL
	// applies.
	Namespaces pipes.Namespaces
	// SourceDataset is the dataset the pipe's source reads, if it reads
	// one (set for transforms and sinks).
	SourceDataset string
	// Redact hides the config's secrets in text a component keeps or
	// shows (nil: nothing to hide).
	Redact func(string) string
	// System looks up a built system (a "system:<kind>" config) by _id;
	// nil when the config has none.
	System func(id string) (any, bool)
	// ConfigDir is the config folder, against which components resolve
	// the relative file paths a config names ("" when there is none).
	ConfigDir string
}
