package receiver

import (
	"strconv"
	"sync"
	"time"

	"github.com/sluice-sync/sluice/store"
)

// Replay states of a Standard Webhooks message id.
const (
	replayNew = iota
	replaySeen
	replayInFlight
)

// replayCache remembers the Standard Webhooks message ids accepted
// recently, and those being received right now.
type replayCache struct {
	mu        sync.Mutex
	ids       map[string]time.Time // key -> when to forget it; zero while in flight
	lastSweep time.Time
}

func newReplayCache() *replayCache { return &replayCache{ids: map[string]time.Time{}} }

// reserve claims key for a request, unless it was accepted (and not yet
// forgotten) or another request holds it.
func (c *replayCache) reserve(key string, now time.Time) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.Sub(c.lastSweep) > time.Minute {
		for k, until := range c.ids {
			if !until.IsZero() && now.After(until) {
				delete(c.ids, k)
			}
		}
		c.lastSweep = now
	}
	until, ok := c.ids[key]
	switch {
	case ok && until.IsZero():
		return replayInFlight
	case ok && now.Before(until):
		return replaySeen
	}
	c.ids[key] = time.Time{}
	return replayNew
}

// accept remembers key as accepted until the given time.
func (c *replayCache) accept(key string, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ids[key] = until
}

// release forgets a key whose request failed, so a retry is received.
func (c *replayCache) release(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if until, ok := c.ids[key]; ok && until.IsZero() {
		delete(c.ids, key)
	}
}

// seenValuePrefix starts the names of the store values that remember
// accepted Standard Webhooks message ids across restarts.
const seenValuePrefix = "receiver_seen:"

// seenValue names the stored mark of an accepted message (key is
// "<pipe>\x00<webhook-id>").
func seenValue(key string) string { return seenValuePrefix + key }

// wasAccepted reports whether the store remembers key as accepted: the
// in-memory cache is empty after a restart, but a captured message must
// still not be written twice within its tolerance window.
func wasAccepted(st *store.Store, key string) (bool, error) {
	_, ok, err := st.Value(seenValue(key))
	return ok, err
}

// markAccepted records key as accepted, inside the transaction that writes
// the message's entities, for keep (Badger forgets it after that).
func markAccepted(key string, until time.Time, keep time.Duration) func(*store.Tx) error {
	return func(tx *store.Tx) error {
		return tx.PutValueFor(seenValue(key), strconv.AppendInt(nil, until.Unix(), 10), keep)
	}
}
