package dtl

import "context"

// Datasets is what hops, lookup-entity and is-changed read: the latest
// versions of entities in other datasets, found through indexes.
type Datasets interface {
	// Get returns the latest version of entity id in dataset, or nil when
	// there is none (or it is deleted).
	Get(ctx context.Context, dataset, id string) (*Dict, error)
	// Join returns the latest, non-deleted entities of dataset whose value
	// at path equals one of keys, ordered by _id, with no duplicates. It
	// is served by an index on (dataset, path), never by a scan.
	Join(ctx context.Context, dataset string, path []string, keys []Value) ([]*Dict, error)
	// Version returns the version at offset in dataset (latest or not), or
	// nil when there is none.
	Version(ctx context.Context, dataset string, offset uint64) (*Dict, error)
}

// JoinKey is an index hops need: entities of Dataset by the value at Path.
type JoinKey struct {
	Dataset string
	Path    []string
}

// DatasetChanges is what a join on an expression needs besides Datasets:
// a way to follow a dataset, so the index on the expression's values is
// built once and then kept current from the changes alone. Datasets that
// do not implement it cannot serve such joins.
type DatasetChanges interface {
	// Changes calls fn, in offset order, with the latest version (deleted
	// or not) of every entity of dataset written at offset from or later,
	// and returns the offset to read from next time: one past the last
	// version it saw, or from itself when there was none. A dataset that
	// does not exist has no changes.
	Changes(ctx context.Context, dataset string, from uint64, fn func(e *Dict) error) (next uint64, err error)
}

// DatasetCompleteness is what the completeness function reads: a dataset's
// completeness timestamp (microseconds) as another dataset recorded it.
// Datasets that do not implement it have none.
type DatasetCompleteness interface {
	CompletenessVia(via, dataset string) (ts int64, ok bool)
}
