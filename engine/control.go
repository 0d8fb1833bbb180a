package engine

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/sluice-sync/sluice/store"
)

// ErrDisabled is returned for a run of a disabled pipe.
var ErrDisabled = errors.New("the pipe is disabled")

// PipeState reads a pipe's stored state (offset, last run, disabled).
func (e *Engine) PipeState(id string) (store.PipeState, error) {
	if _, err := e.Pipe(id); err != nil {
		return store.PipeState{}, err
	}
	return e.store.PipeState(id)
}

// changeState changes a pipe's stored state while no run of it is under
// way (a running pipe answers ErrRunning).
func (e *Engine) changeState(id string, change func(*store.PipeState) error) error {
	p, err := e.Pipe(id)
	if err != nil {
		return err
	}
	if !p.running.TryLock() {
		return fmt.Errorf("pipe %q: %w", id, ErrRunning)
	}
	defer p.running.Unlock()
	st, err := e.store.PipeState(id)
	if err != nil {
		return err
	}
	if err := change(&st); err != nil {
		return err
	}
	if err := e.store.Update(func(tx *store.Tx) error { return tx.PutPipeState(id, st) }); err != nil {
		return err
	}
	return e.store.Sync()
}

// SetLastSeen sets the pipe's offset; "" resets it, so the next run is a
// full run. An unfinished full run is forgotten. A pipe reading a dataset
// takes only a dataset offset (a whole number from 0); other sources take
// their own continuation tokens as they are.
func (e *Engine) SetLastSeen(id, since string) error {
	p, err := e.Pipe(id)
	if err != nil {
		return err
	}
	if _, ok := p.Source.(interface{ Dataset() string }); ok && since != "" {
		if n, err := strconv.ParseInt(since, 10, 64); err != nil || n < 0 {
			return fmt.Errorf("pipe %q reads a dataset: last-seen must be a dataset offset (a whole number from 0), or empty to start over, not %q", id, since)
		}
	}
	return e.changeState(id, func(st *store.PipeState) error {
		st.LastSeen, st.FullRun = since, 0
		return nil
	})
}

// SetLastSeenToEnd moves the offset of a pipe with a dataset source past
// the source dataset's newest version, so the next run reads only what
// comes after.
func (e *Engine) SetLastSeenToEnd(id string) error {
	p, err := e.Pipe(id)
	if err != nil {
		return err
	}
	d, ok := p.Source.(interface{ Dataset() string })
	if !ok {
		return fmt.Errorf("pipe %q: set-last-seen-to-end needs a dataset source", id)
	}
	info, _ := e.store.Dataset(d.Dataset())
	end := ""
	if info.Versions > 0 {
		end = strconv.FormatInt(info.LastOffset(), 10)
	}
	return e.SetLastSeen(id, end)
}

// SetDisabled disables or enables a pipe.
func (e *Engine) SetDisabled(id string, disabled bool) error {
	return e.changeState(id, func(st *store.PipeState) error {
		st.Disabled = disabled
		return nil
	})
}
