package store

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// PipeState is what a pipe remembers between runs.
type PipeState struct {
	// LastSeen is the source's continuation token ("since"); empty means
	// the next run starts from the beginning.
	LastSeen string `json:"last_seen"`
	// FullRun is non-zero while a full run is under way (the dataset's
	// full-run number); a run that resumes after a crash finishes it.
	FullRun uint64 `json:"full_run,omitempty"`
	// LastRun is the engine's record of the last run, kept as it gave it.
	LastRun json.RawMessage `json:"last_run,omitempty"`
	// Disabled keeps the scheduler (and manual starts) from running the
	// pipe, across restarts, until it is enabled again.
	Disabled bool `json:"disabled,omitempty"`
}

// PipeState reads a pipe's state; a pipe that never ran has the zero state.
func (s *Store) PipeState(id string) (PipeState, error) {
	var st PipeState
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(pipeKey(id))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return item.Value(func(b []byte) error { return json.Unmarshal(b, &st) })
	})
	if err != nil {
		return st, fmt.Errorf("pipe %q: state: %w", id, err)
	}
	return st, nil
}

// PutPipeState writes a pipe's state within the transaction.
func (t *Tx) PutPipeState(id string, st PipeState) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return t.txn.Set(pipeKey(id), b)
}
