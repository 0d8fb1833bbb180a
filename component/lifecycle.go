package component

import "context"

// Closer is a component or system that holds resources beyond its config:
// connection pools, goroutines, open files. The engine closes every built
// component that implements it once nothing uses it any more — after a
// config reload has swapped in a new engine and the old one's runs have
// ended, and when the program stops. Close must be safe to call once the
// component is idle, and should return once its goroutines have ended.
type Closer interface {
	Close(ctx context.Context) error
}
