package webhooksink

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/store"
)

// What each endpoint has is kept in memory, one entry per entity id and
// stream, and persisted in the sink's state dataset as chunks: one entity
// per acknowledged request, listing its records, written in the same
// transaction as the request's log entry and the pipe's progress. A chunk
// per request rather than an entity per record keeps the cost of
// remembering far below the cost of sending: a Badger key per record
// would cost more than the request itself (docs/performance.md).

// held is what an endpoint has of one entity.
type held struct {
	hash    uint64 // of the payload delivered
	deleted bool   // it was sent the entity's deletion
	msg     int64  // the _message_id that delivered it
	seen    uint64 // the last full run that saw it (mirror mode)
	pos     int    // in a plan, where in the batch it was (append mode)
}

// hashText is the entry's version as records name it.
func (h held) hashText() string {
	if h.deleted {
		return "deleted"
	}
	return hashText(h.hash)
}

// chunk is one state-dataset entity:
//
//	{"_id": "c0000000000000042", "stream": "all",
//	 "records": "<len>:<id> <hash or deleted> <_message_id> <full run seen>;...",
//	 "seen": N, "ids": [...]}
//
// The records are packed in one string rather than a list of lists, with
// nothing JSON must escape (ids are length-prefixed): the store hashes what
// it writes, and such a string hashes in one pass. "seen"
// with "ids" marks entities a full run saw but sent nothing.
type chunk struct {
	ID      string
	Lane    string
	Records []chunkRecord
	Seen    uint64
	IDs     []string
}

type chunkRecord struct {
	id, hash string
	sum      uint64 // the hash as a number, when it is one
	msg      int64
	seen     uint64
}

// chunkJSON is a chunk as it is decoded.
type chunkJSON struct {
	ID      string   `json:"_id"`
	Lane    string   `json:"stream"`
	Records string   `json:"records"`
	Seen    uint64   `json:"seen"`
	IDs     []string `json:"ids"`
}

// endpointState is the in-memory state of every lane, loaded from the
// state dataset on first use.
type endpointState struct {
	tag       string // in chunk ids: see chunkID
	lanes     map[string]map[string]held
	chunks    int    // live chunks in the dataset
	nextChunk uint64 // the number of the next chunk
}

func (s *Sink) stateDataset() string { return "system:webhook_state:" + s.pipe }

// loadState reads the state dataset once.
func (s *Sink) loadState() error {
	if s.state != nil {
		return nil
	}
	es := &endpointState{lanes: map[string]map[string]held{}, tag: strconv.FormatUint(rand.Uint64()|1<<63, 36)[:6]}
	err := s.st.Scan(s.stateDataset(), store.ReadOptions{SkipDeleted: true}, func(_ uint64, e []byte) (err error) {
		var cj chunkJSON
		if err := json.Unmarshal(e, &cj); err != nil {
			return fmt.Errorf("state chunk: %w", err)
		}
		c := chunk{ID: cj.ID, Lane: cj.Lane, Seen: cj.Seen, IDs: cj.IDs}
		if c.Records, err = unpackRecords(cj.Records); err != nil {
			return fmt.Errorf("state chunk %s: %w", cj.ID, err)
		}
		if err := es.apply(&c); err != nil {
			return err
		}
		es.chunks++
		seq, _, _ := strings.Cut(strings.TrimPrefix(c.ID, "c"), "-")
		if n, err := strconv.ParseUint(seq, 10, 64); err == nil && n >= es.nextChunk {
			es.nextChunk = n + 1
		}
		return nil
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("webhook state: %w", err)
	}
	s.state = es
	return nil
}

// lane returns a lane's entries, creating the map.
func (es *endpointState) lane(name string) map[string]held {
	m := es.lanes[name]
	if m == nil {
		m = map[string]held{}
		es.lanes[name] = m
	}
	return m
}

// apply folds a chunk into the state.
func (es *endpointState) apply(c *chunk) error {
	m := es.lane(c.Lane)
	for _, r := range c.Records {
		h := held{msg: r.msg, seen: r.seen, hash: r.sum}
		if r.hash == "deleted" {
			h.deleted = true
		} else if r.sum != 0 {
		} else if n, err := strconv.ParseUint(r.hash, 16, 64); err == nil {
			h.hash = n
		} else {
			return fmt.Errorf("state chunk %s: bad hash %q for %q", c.ID, r.hash, r.id)
		}
		m[r.id] = h
	}
	for _, id := range c.IDs {
		if h, ok := m[id]; ok {
			h.seen = c.Seen
			m[id] = h
		}
	}
	return nil
}

// newChunk makes the chunk recording delivered records (seen by full run
// gen, or 0).
func (es *endpointState) newChunk(lane string, recs []*record, gen uint64) *chunk {
	c := &chunk{ID: es.chunkID(), Lane: lane}
	c.Records = make([]chunkRecord, len(recs))
	for i, r := range recs {
		c.Records[i] = chunkRecord{id: r.id, hash: r.hash, sum: r.sum, msg: r.msgID, seen: gen}
	}
	return c
}

// seenChunk marks ids as seen by full run gen.
func (es *endpointState) seenChunk(lane string, ids []string, gen uint64) *chunk {
	return &chunk{ID: es.chunkID(), Lane: lane, Seen: gen, IDs: ids}
}

// chunkID numbers chunks in the order written; the suffix, made when the
// state is loaded, keeps two sinks of one pipe (an old config's and a new
// one's, briefly) from ever writing the same chunk id.
func (es *endpointState) chunkID() string {
	id := fmt.Sprintf("c%016d-%s", es.nextChunk, es.tag)
	es.nextChunk++
	return id
}

// entity encodes the chunk by hand: it is written with every request.
func (c *chunk) entity() entity.Entity {
	b := make([]byte, 0, 64+len(c.Records)*(len(`["","",,],`)+32+24)+len(c.IDs)*24)
	b = append(b, `{"_id":`...)
	b = appendJSONString(b, c.ID)
	b = append(b, `,"stream":`...)
	b = appendJSONString(b, c.Lane)
	if len(c.Records) > 0 {
		b = append(b, `,"records":`...)
		b = appendJSONString(b, string(packRecords(c.Records)))
	}
	if c.Seen != 0 {
		b = append(b, `,"seen":`...)
		b = strconv.AppendUint(b, c.Seen, 10)
		b = append(b, `,"ids":[`...)
		for i, id := range c.IDs {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, id)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// compactEvery is how many chunks per thousand entries the state may hold
// before a run rewrites it as a snapshot.
const compactEvery = 4

// compact rewrites the state as snapshot chunks of 1,000 entries and
// deletes the old chunks, once old chunks far outnumber what a snapshot
// needs. A crash midway leaves the old chunks and the snapshot, which load
// to the same state.
func (s *Sink) compact() error {
	es := s.state
	entries := 0
	for _, m := range es.lanes {
		entries += len(m)
	}
	if es.chunks < 64 || es.chunks <= compactEvery*(entries/1000+1) {
		return nil
	}
	var old []entity.Entity
	err := s.st.Scan(s.stateDataset(), store.ReadOptions{SkipDeleted: true}, func(_ uint64, e []byte) error {
		id, err := entity.ID(e)
		old = append(old, entity.Entity(`{"_id":`+strconv.Quote(id)+`,"_deleted":true}`))
		return err
	})
	if err != nil {
		return err
	}
	var snap []entity.Entity
	for _, name := range slices.Sorted(maps.Keys(es.lanes)) {
		m := es.lanes[name]
		ids := slices.Sorted(maps.Keys(m))
		for len(ids) > 0 {
			n := min(1000, len(ids))
			c := &chunk{ID: es.chunkID(), Lane: name, Records: make([]chunkRecord, n)}
			for i, id := range ids[:n] {
				h := m[id]
				c.Records[i] = chunkRecord{id: id, hash: h.hashText(), sum: h.hash, msg: h.msg, seen: h.seen}
			}
			snap = append(snap, c.entity())
			ids = ids[n:]
		}
	}
	if _, err := s.st.Write(s.stateDataset(), snap, store.WriteOptions{}); err != nil {
		return err
	}
	if _, err := s.st.Write(s.stateDataset(), old, store.WriteOptions{}); err != nil {
		return err
	}
	es.chunks = len(snap)
	return nil
}

// StateEntry is what an endpoint has of one entity, for inspection.
type StateEntry struct {
	ID        string `json:"_id"`
	Stream    string `json:"stream"`
	Hash      string `json:"hash"`
	Deleted   bool   `json:"deleted,omitempty"`
	MessageID int64  `json:"message_id"`
}

// State lists what the sink records each endpoint has, by stream and id;
// id, when given, picks one entity.
func (s *Sink) State(id string) ([]StateEntry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.loadState(); err != nil {
		return nil, err
	}
	var out []StateEntry
	for _, name := range slices.Sorted(maps.Keys(s.state.lanes)) {
		m := s.state.lanes[name]
		ids := []string{id}
		if id == "" {
			ids = slices.Sorted(maps.Keys(m))
		}
		for _, k := range ids {
			if h, ok := m[k]; ok {
				e := StateEntry{ID: k, Stream: name, Deleted: h.deleted, MessageID: h.msg}
				if !h.deleted {
					e.Hash = hashText(h.hash)
				}
				out = append(out, e)
			}
		}
	}
	return out, nil
}

// packRecords writes records as "<len>:<id> <hash> <msg> <seen>;".
func packRecords(recs []chunkRecord) []byte {
	b := make([]byte, 0, len(recs)*48)
	for _, r := range recs {
		b = strconv.AppendInt(b, int64(len(r.id)), 10)
		b = append(b, ':')
		b = append(b, r.id...)
		b = append(b, ' ')
		b = append(b, r.hash...)
		b = append(b, ' ')
		b = strconv.AppendInt(b, r.msg, 10)
		b = append(b, ' ')
		b = strconv.AppendUint(b, r.seen, 10)
		b = append(b, ';')
	}
	return b
}

// unpackRecords reads what packRecords wrote.
func unpackRecords(s string) ([]chunkRecord, error) {
	var out []chunkRecord
	for s != "" {
		n, rest, ok := strings.Cut(s, ":")
		size, err := strconv.Atoi(n)
		if !ok || err != nil || size < 0 || size > len(rest) {
			return nil, errors.New("bad records")
		}
		r := chunkRecord{id: rest[:size]}
		line, next, _ := strings.Cut(rest[size:], ";")
		f := strings.Fields(line)
		if len(f) != 3 {
			return nil, errors.New("bad records")
		}
		r.hash = f[0]
		if r.msg, err = strconv.ParseInt(f[1], 10, 64); err != nil {
			return nil, errors.New("bad records")
		}
		if r.seen, err = strconv.ParseUint(f[2], 10, 64); err != nil {
			return nil, errors.New("bad records")
		}
		out = append(out, r)
		s = next
	}
	return out, nil
}
