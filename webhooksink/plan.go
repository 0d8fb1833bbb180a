package webhooksink

import "strconv"

// plan is what a lane sends for a batch, and which entities a full run saw
// that it sends nothing for.
type plan struct {
	send []*record
	// baseline records versions taken as what the endpoint has without
	// sending them (update mode); seen lists what a full run saw but sends
	// nothing for.
	baseline []*record
	seen     []string
	skipped  int
}

// plan decides, by sync mode, what a lane sends, from what its endpoint
// has. An entity the check rejects reaches the valid lane as a deletion
// (and a valid one reaches the invalid lane so), so a mirror of either
// stream stays exact.
func (s *Sink) plan(l *lane, items []item, fullRun uint64) *plan {
	state := s.state.lane(l.name)
	// What this plan will have sent, by id: needed only when an id comes
	// more than once (append mode keeps every version).
	var pending map[string]held
	if s.cfg.SyncMode == ModeAppend {
		pending = map[string]held{}
	}
	p := &plan{send: make([]*record, 0, len(items))}
	recs := make([]record, len(items)) // one allocation for the batch
	var deletes []*record
	for i, it := range items {
		deleted := it.deleted
		switch l.name {
		case "valid":
			deleted = deleted || !it.valid
		case "invalid":
			deleted = deleted || it.valid
		}
		var k held
		var seen, inBatch bool
		if pending != nil {
			k, inBatch = pending[it.id]
			seen = inBatch
		}
		if !seen {
			k, seen = state[it.id]
		}
		has := seen && !k.deleted
		same := has && !deleted && k.hash == it.hash
		op := decide(s.cfg.SyncMode, deleted, seen, has, same)
		if op == "" {
			p.skipped++
			switch {
			case fullRun != 0 && has:
				p.seen = append(p.seen, it.id)
			case s.cfg.SyncMode == ModeUpdate && !seen && !deleted,
				s.cfg.SyncMode == ModeDelete && !deleted && !same:
				// A baseline: update mode never creates, so the first
				// version seen is taken as what the endpoint has; delete
				// mode takes every version so (it sends only deletions).
				p.baseline = append(p.baseline, &record{id: it.id, hash: hashText(it.hash), sum: it.hash})
				if pending != nil {
					pending[it.id] = held{hash: it.hash}
				}
			}
			continue
		}
		r := &recs[i]
		*r = record{id: it.id, hash: hashText(it.hash), sum: it.hash, op: op, fields: it.fields}
		switch {
		case inBatch:
			// An earlier version in this batch (append mode) has no
			// message id yet: its position tells the two apart.
			r.prev = k.hashText() + "#" + strconv.Itoa(k.pos)
		case seen:
			r.prev = k.hashText() + "@" + strconv.FormatInt(k.msg, 10)
		}
		if deleted {
			r.hash, r.sum = "deleted", 0
			r.fields = appendJSONString([]byte(`"_id":`), it.id) // a deletion carries only its _id
		}
		if l.name != "valid" {
			r.reasons = it.reasons
		}
		if pending != nil {
			pending[it.id] = held{hash: it.hash, deleted: deleted, pos: i}
		}
		if op == "delete" && s.cfg.SyncMode == ModeMirror {
			deletes = append(deletes, r) // mirror sends deletes first
			continue
		}
		p.send = append(p.send, r)
	}
	if len(deletes) > 0 {
		p.send = append(deletes, p.send...)
	}
	return p
}

// decide gives the op an entity is sent with, or "" to send nothing.
// seen: the lane has a record of it; held: and the endpoint still has it;
// same: its version is the one the endpoint has.
func decide(mode string, deleted, seen, held, same bool) string {
	switch mode {
	case ModeAppend, ModeUpsert:
		if deleted || same {
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
		if same {
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

// hashText is a payload hash as state records name it.
func hashText(h uint64) string { return strconv.FormatUint(h, 16) }
