package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sluice-sync/sluice/store"
)

// diskWaitInterval is how often `sluice run` looks for free space while it
// waits to open a data folder on a full disk.
var diskWaitInterval = 5 * time.Second

// openStoreWhenSpace opens the data folder for the service. On a disk below
// the reserve it does not give up: it says why it waits, and opens the
// folder as soon as space is freed (or gives up when ctx ends).
func (a *app) openStoreWhenSpace(ctx context.Context, dir string) (*store.Store, error) {
	said := false
	for {
		st, err := a.openStore(dir, true)
		if !errors.Is(err, store.ErrDiskFull) {
			if said && err == nil {
				fmt.Fprintf(a.stderr, "sluice: space was freed; opening %s\n", dir)
			}
			return st, err
		}
		if !said {
			fmt.Fprintf(a.stderr, "sluice: waiting for disk space: %v\n", err)
			said = true
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("stopped while waiting for disk space: %w", err)
		case <-time.After(diskWaitInterval):
		}
	}
}
