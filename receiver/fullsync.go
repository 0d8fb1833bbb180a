package receiver

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"

	"github.com/sluice-sync/sluice/entity"
)

// syncParams are the JSON push protocol's query parameters.
type syncParams struct {
	full, first, last                        bool
	sequenceID, requestID, previousRequestID string
}

func parseSyncParams(q url.Values) (syncParams, error) {
	var p syncParams
	for _, b := range []struct {
		name string
		dst  *bool
	}{{"is_full", &p.full}, {"is_first", &p.first}, {"is_last", &p.last}} {
		v := q.Get(b.name)
		if v == "" {
			continue
		}
		x, err := strconv.ParseBool(v)
		if err != nil {
			return p, fmt.Errorf("query parameter %s must be true or false, not %q", b.name, v)
		}
		*b.dst = x
	}
	p.sequenceID, p.requestID, p.previousRequestID = q.Get("sequence_id"), q.Get("request_id"), q.Get("previous_request_id")
	if p.full && (p.sequenceID == "" || p.requestID == "") {
		return p, fmt.Errorf("a full sync (is_full=true) needs the query parameters sequence_id and request_id")
	}
	if !p.full {
		// is_first and is_last only mean something in a full sync.
		p.first, p.last = false, false
	}
	return p, nil
}

// sequence is a full sync under way (Sesam's JSON push protocol).
type sequence struct {
	id       string
	dataset  string // the sink's dataset when it began
	fullRun  uint64 // from Engine.BeginFullSync; 0 when the sink tracks no deletions
	requests int
	// The request_id and previous_request_id of the last request written.
	lastRequestID, lastPreviousID string
}

// pipeSync holds a pipe's sequence; mu serialises its full-sync requests.
type pipeSync struct {
	mu     sync.Mutex
	active *sequence
}

// sequences are the full syncs under way, one per pipe at most. They live
// in memory: after a restart the next request of a sequence gets 409 and
// the sender starts again.
type sequences struct {
	mu    sync.Mutex
	pipes map[string]*pipeSync
}

func (s *sequences) pipe(id string) *pipeSync {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pipes == nil {
		s.pipes = map[string]*pipeSync{}
	}
	ps, ok := s.pipes[id]
	if !ok {
		ps = &pipeSync{}
		s.pipes[id] = ps
	}
	return ps
}

// checkIncremental refuses an incremental request that names the sequence
// under way: a sequence cannot change is_full half-way.
func (rc *Receiver) checkIncremental(q *request) *result {
	if q.sync.sequenceID == "" {
		return nil
	}
	ps := rc.sequences.pipe(q.pipe)
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.active != nil && ps.active.id == q.sync.sequenceID {
		return fail(http.StatusConflict, OutcomeConflict, "sequence %q is a full sync, but this request has is_full=false", q.sync.sequenceID)
	}
	return nil
}

// writeFull writes one request of a full sync. is_first begins the sync
// (Engine.BeginFullSync), each request must name the previous one in
// previous_request_id (else 409, nothing written), and is_last deletes what
// the sequence did not send (Engine.EndFullSync). A request repeated as is
// (the same request_id and previous_request_id as the last one written) is
// written again, so a sender may retry a request whose answer it lost.
func (rc *Receiver) writeFull(q *request, es []entity.Entity) *result {
	sp := q.sync
	ps := rc.sequences.pipe(q.pipe)
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ds := q.p.SinkDataset()
	seq, retry := ps.active, false
	switch {
	case sp.first:
		if seq != nil && seq.id == sp.sequenceID {
			if seq.requests == 1 && seq.lastRequestID == sp.requestID && seq.lastPreviousID == sp.previousRequestID {
				retry = true
				break
			}
			return fail(http.StatusConflict, OutcomeConflict, "is_first=true, but sequence %q is already under way", sp.sequenceID)
		}
		n, err := q.eng.BeginFullSync(q.r.Context(), q.pipe)
		if err != nil {
			return storeFailure(fmt.Errorf("beginning the full sync: %w", err))
		}
		seq = &sequence{id: sp.sequenceID, dataset: ds, fullRun: n}
	case seq == nil || seq.id != sp.sequenceID:
		return fail(http.StatusConflict, OutcomeConflict, "no full sync with sequence_id %q is under way for pipe %q (begin one with is_first=true; a newer sequence or a restart of the service ends an unfinished one)", sp.sequenceID, q.pipe)
	case seq.dataset != ds:
		ps.active = nil
		return fail(http.StatusConflict, OutcomeConflict, "the pipe's sink changed since sequence %q began; begin again with is_first=true", sp.sequenceID)
	case sp.requestID == seq.lastRequestID && sp.previousRequestID == seq.lastPreviousID:
		retry = true
	case sp.previousRequestID != seq.lastRequestID:
		return fail(http.StatusConflict, OutcomeConflict, "previous_request_id %q does not match the last request of sequence %q (request_id %q)", sp.previousRequestID, sp.sequenceID, seq.lastRequestID)
	}
	res := rc.receiveEntities(q, es, seq.fullRun)
	if res.status != http.StatusOK {
		return res // a failed is_first begins nothing; otherwise the sender may retry
	}
	if !retry {
		seq.requests++
		seq.lastRequestID, seq.lastPreviousID = sp.requestID, sp.previousRequestID
	}
	ps.active = seq
	if sp.last {
		ps.active = nil
		n, err := q.eng.EndFullSync(ctxNoCancel(q.r), q.pipe, seq.fullRun)
		if err != nil {
			return storeFailure(fmt.Errorf("deleting what sequence %q did not send: %w", sp.sequenceID, err))
		}
		rc.log.Info("receiver: full sync done", "pipe", q.pipe, "sequence_id", sp.sequenceID, "requests", seq.requests, "deleted", n)
	}
	return res
}
