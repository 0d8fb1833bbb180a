package receiver

import (
	"errors"
	"io"
	"net/http"
	"sync"
)

// DefaultBodyBudget is how many bytes of request bodies all receivers
// together hold in memory at once unless Options.BodyBudget says otherwise.
const DefaultBodyBudget = 64 << 20

// bodyBudget bounds the bytes of request bodies held in memory by every
// receiver request in flight. A request takes bytes as they arrive, not
// what its Content-Length announces, so a stalled body holds only what it
// sent; a request that finds the budget spent is refused at once (503 and
// Retry-After) instead of waiting, so memory stays bounded under a flood.
type bodyBudget struct {
	mu    sync.Mutex
	limit int64
	used  int64
}

func (b *bodyBudget) take(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.limit {
		return false
	}
	b.used += n
	return true
}

func (b *bodyBudget) give(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
}

// InUse is how many bytes requests in flight hold now.
func (b *bodyBudget) InUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// errBudget reports a body refused because the budget was spent.
var errBudget = errors.New("the receivers are holding as many request bodies as they may; retry shortly")

// bodyChunk is how much of a body is read, and taken from the budget, at a
// time.
const bodyChunk = 64 << 10

// readBody reads a body of at most limit bytes in chunks, taking each from
// the budget before reading it; a body is never allocated for what its
// Content-Length only announces. held is what the caller gives back once
// it no longer holds the body.
func (b *bodyBudget) readBody(w http.ResponseWriter, r *http.Request, limit int64) (body []byte, held int64, err error) {
	src := http.MaxBytesReader(w, r.Body, limit)
	var chunks [][]byte
	for {
		size := int64(bodyChunk)
		if len(chunks) == 0 && r.ContentLength >= 0 && r.ContentLength < size {
			size = r.ContentLength + 1 // one read sees the whole body and its end
		}
		if !b.take(size) {
			b.give(held)
			return nil, 0, errBudget
		}
		buf := make([]byte, size)
		n, rerr := io.ReadFull(src, buf)
		b.give(size - int64(n))
		held += int64(n)
		chunks = append(chunks, buf[:n])
		switch {
		case rerr == nil:
			continue
		case errors.Is(rerr, io.EOF), errors.Is(rerr, io.ErrUnexpectedEOF):
			return join(chunks, held), held, nil
		default:
			b.give(held)
			return nil, 0, rerr
		}
	}
}

// join makes one slice of the chunks (no copy for one chunk).
func join(chunks [][]byte, total int64) []byte {
	if len(chunks) == 1 {
		return chunks[0]
	}
	out := make([]byte, 0, total)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return out
}
