package torture

import (
	"fmt"
	"strings"
)

// hookCheck is what scenario 3's checks keep across the trials of a folder.
type hookCheck struct {
	bodyOf   map[string]string // webhook-id → its records, as first seen
	idOf     map[string]string // a record (entity version, or a trial's deletion) → the webhook-id it came with
	problems int               // receiver problems already reported
}

func newHookCheck() *hookCheck {
	return &hookCheck{bodyOf: map[string]string{}, idOf: map[string]string{}}
}

// recordKey names what a record delivers: an entity's payload (so its
// version), or the deletion of an entity in a trial.
func recordKey(r hookRecord, trial int) string {
	if r.op == "delete" {
		return fmt.Sprintf("delete %s in trial %d", r.id, trial)
	}
	return r.op + " " + r.payload
}

func recordsText(rs []hookRecord) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "%s %s %s;", r.op, r.id, r.payload)
	}
	return b.String()
}

// check runs after a trial's pump completed:
//   - every request verified and parsed (the receiver's problems);
//   - a webhook-id always carries the same records, and a record always
//     comes under the same webhook-id (re-sends keep their id);
//   - every version this trial wrote arrived (was taken) at least once,
//     but a deletion of what was deleted already, which sends nothing;
//   - after de-duplication by webhook-id, the last record delivered for
//     each entity is its latest version (a delete when it is deleted).
//
// It returns the number of entity versions checked.
func (c *hookCheck) check(m *hookModel, reqs []hookRequest, problems []string, trial int, violation func(string, ...any)) int {
	for _, p := range problems[c.problems:] {
		violation("%s", p)
	}
	c.problems = len(problems)

	taken := map[string]bool{} // records taken in this trial
	for _, r := range reqs {
		if r.records == nil {
			continue // unreadable: reported above
		}
		text := recordsText(r.records)
		if was, ok := c.bodyOf[r.webhookID]; !ok {
			c.bodyOf[r.webhookID] = text
		} else if was != text {
			violation("webhook-id %s came with other records than before (a receiver de-duplicating on it would drop them):\n  first: %s\n  now:   %s", r.webhookID, clip([]byte(was)), clip([]byte(text)))
		}
		for _, rec := range r.records {
			key := recordKey(rec, r.trial)
			if was, ok := c.idOf[key]; !ok {
				c.idOf[key] = r.webhookID
			} else if was != r.webhookID {
				violation("%s was re-sent under webhook-id %s, first under %s (request %d, %s)", key, r.webhookID, was, r.seq, r.fate)
			}
			if r.accepted && r.trial == trial {
				taken[key] = true
			}
		}
	}

	checked := 0
	for i, e := range m.ents {
		for j, v := range e.versions {
			if v.trial != trial {
				continue
			}
			checked++
			if v.deleted && j > 0 && e.versions[j-1].deleted {
				continue // a deletion's payload is its _id alone: deleting again changes nothing to send
			}
			key := recordKey(hookRecord{op: "upsert", id: m.ids[i], payload: hookPayload(m.ids[i], v.v)}, trial)
			if v.deleted {
				key = recordKey(hookRecord{op: "delete", id: m.ids[i]}, trial)
			}
			if !taken[key] {
				violation("%s version %d (deleted %t), written in this trial, never reached the receiver", m.ids[i], v.v, v.deleted)
			}
		}
	}

	last := map[string]hookRecord{}
	seen := map[string]bool{}
	for _, r := range reqs {
		if !r.accepted || seen[r.webhookID] {
			continue
		}
		seen[r.webhookID] = true
		for _, rec := range r.records {
			last[rec.id] = rec
		}
	}
	for i, e := range m.ents {
		id, l := m.ids[i], e.latest()
		got, ok := last[id]
		switch {
		case !ok:
			violation("%s: nothing was delivered for it; its latest is version %d", id, l.v)
		case l.deleted && got.op != "delete":
			violation("%s is deleted (version %d), but the last record delivered for it is %s %s", id, l.v, got.op, got.payload)
		case !l.deleted && (got.op != "upsert" || got.payload != hookPayload(id, l.v)):
			violation("%s: the last record delivered (after de-duplication by webhook-id) is %s %s, not its latest version %d %s", id, got.op, got.payload, l.v, hookPayload(id, l.v))
		}
	}
	return checked
}
