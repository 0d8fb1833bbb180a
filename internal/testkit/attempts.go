package testkit

import (
	"net/http"
	"sync"
	"time"
)

// Attempt is one delivery attempt as a test's answer hook saw it, whatever
// became of it.
type Attempt struct {
	ID     string    // its webhook-id
	At     time.Time // when it arrived
	Result string    // what the hook did with it
}

// Attempts records every attempt an endpoint sees, failed ones included
// (a Receiver records only what it accepts).
type Attempts struct {
	mu   sync.Mutex
	list []Attempt
}

// Add records an attempt and returns its index (from 0).
func (a *Attempts) Add(r *http.Request, result string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.list = append(a.list, Attempt{ID: r.Header.Get("webhook-id"), At: time.Now(), Result: result})
	return len(a.list) - 1
}

// Mark sets what became of attempt n.
func (a *Attempts) Mark(n int, result string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.list[n].Result = result
}

// All lists the attempts so far.
func (a *Attempts) All() []Attempt {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Attempt(nil), a.list...)
}
