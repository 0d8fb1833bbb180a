package service

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/pipes"
)

// liveHeap is the heap in use by reachable objects, after a collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// A pipe's loop keeps its memory flat however often it wakes up: nothing
// (such as the timer of each wake-up) is held until the loop ends.
func TestSchedulerLoopMemoryIsFlat(t *testing.T) {
	const warmUp, wakeUps = 1_000, 50_000
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := &scheduler{ctx: ctx, cancel: cancel}
	var n int
	var before, after uint64
	s.step = func(string) {
		n++
		switch n {
		case warmUp:
			before = liveHeap()
		case warmUp + wakeUps:
			after = liveHeap() // measured while the loop still runs
			cancel()
		}
	}
	s.wg.Add(1)
	done := make(chan struct{})
	go func() {
		s.loop(&pipes.Pipe{ID: "p"}, schedule{every: time.Nanosecond}, make(chan struct{}, 1), false)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		cancel()
		t.Fatalf("the loop woke up only %d times in 2 minutes", n)
	}
	// Each wake-up that kept its timer until the loop ended would hold
	// well over 100 bytes: 50,000 of them are several megabytes.
	const bound = 1 << 20
	if after > before && after-before > bound {
		t.Fatalf("the live heap grew by %d bytes over %d wake-ups (bound %d)", after-before, wakeUps, bound)
	}
	t.Logf("live heap %d → %d bytes over %d wake-ups", before, after, wakeUps)
}
