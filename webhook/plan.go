package webhook

import (
	"github.com/tidwall/gjson"

	"github.com/sluice-sync/sluice/entity"
)

// plan is what a lane sends for a batch, and what it only records.
type plan struct {
	send    []*record
	stamps  []entity.Entity // state of entities sent nothing, seen by a full run
	skipped int
}

// known is what a lane's state says the endpoint has of an entity.
type known struct {
	hash    string // last delivered (or, in update mode, first seen) hash
	deleted bool   // the endpoint was sent its deletion
}

// plan decides, by sync mode, what a lane sends. An entity the check
// rejects reaches the valid lane as a deletion (and a valid one reaches
// the invalid lane so), so a mirror of either stream stays exact.
func (s *Sink) plan(l *lane, items []item, fullRun bool) (*plan, error) {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.id
	}
	state := make(map[string]known, len(items))
	err := s.st.GetMany(l.state, ids, func(i int, e []byte) error {
		state[ids[i]] = known{hash: gjson.GetBytes(e, "hash").String(), deleted: entity.Deleted(e)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	p := &plan{}
	var deletes []*record
	for _, it := range items {
		deleted := it.deleted
		switch l.name {
		case "valid":
			deleted = deleted || !it.valid
		case "invalid":
			deleted = deleted || it.valid
		}
		hash := it.hash
		if deleted {
			hash = "deleted"
		}
		k, seen := state[it.id]
		held := seen && !k.deleted
		op := decide(s.cfg.SyncMode, deleted, seen, held, k.hash == hash)
		if op == "" {
			p.skipped++
			if fullRun && held {
				p.stamps = append(p.stamps, stateEntity(it.id, k.hash))
			}
			if s.cfg.SyncMode == ModeUpdate && !seen && !deleted {
				// A baseline: update mode never creates, so the first
				// version seen is taken as what the endpoint has.
				p.stamps = append(p.stamps, stateEntity(it.id, hash))
				state[it.id] = known{hash: hash}
			}
			continue
		}
		prev := ""
		if seen {
			prev = k.hash
		}
		r := &record{id: it.id, hash: hash, prev: prev, op: op, entity: it.entity}
		if l.name != "valid" {
			r.reasons = it.reasons
		}
		state[it.id] = known{hash: hash, deleted: deleted}
		if op == "delete" && s.cfg.SyncMode == ModeMirror {
			deletes = append(deletes, r) // mirror sends deletes first
			continue
		}
		p.send = append(p.send, r)
	}
	if len(deletes) > 0 {
		p.send = append(deletes, p.send...)
	}
	return p, nil
}

// decide gives the op an entity is sent with, or "" to send nothing.
// seen: the lane has a record of it; held: and the endpoint still has it;
// same: its version is the one the endpoint has.
func decide(mode string, deleted, seen, held, same bool) string {
	switch mode {
	case ModeAppend, ModeUpsert:
		if deleted || (held && same) {
			return ""
		}
		return mode
	case ModeCreate:
		if deleted || seen {
			return ""
		}
		return ModeCreate
	case ModeUpdate:
		if deleted || !held || same {
			return ""
		}
		return ModeUpdate
	case ModeMirror:
		if deleted {
			if held {
				return "delete"
			}
			return ""
		}
		if held && same {
			return ""
		}
		return "upsert"
	case ModeDelete:
		if deleted && !(seen && !held) {
			return "delete"
		}
	}
	return ""
}

// stateEntity is what a lane records of an entity the endpoint has.
func stateEntity(id, hash string) entity.Entity {
	if hash == "deleted" {
		return entity.Entity(`{"_id":` + string(appendJSONString(nil, id)) + `,"_deleted":true}`)
	}
	return entity.Entity(`{"_id":` + string(appendJSONString(nil, id)) + `,"hash":"` + hash + `"}`)
}
