package torture

import (
	"fmt"
	"net/http"
	"slices"
)

// storedVersion is one entity version as the service lists it. Decoding
// refuses other properties: the stored form is the body sent plus these.
type storedVersion struct {
	ID       string `json:"_id"`
	V        int    `json:"v"`
	Pad      string `json:"pad"`
	Deleted  bool   `json:"_deleted"`
	Hash     string `json:"_hash"`
	Previous *int64 `json:"_previous"`
	TS       int64  `json:"_ts"`
	Updated  *int64 `json:"_updated"`
}

// datasetInfo is GET /api/datasets/{id}.
type datasetInfo struct {
	Versions uint64 `json:"versions"`
	Entities int64  `json:"entities"`
	Deleted  int64  `json:"deleted"`
}

// recvModel is what every client of a data folder sent and got
// acknowledged.
type recvModel struct {
	clients []*recvClient
	index   map[string][2]int // _id → client, index of the _id
}

func newRecvModel(clients []*recvClient) *recvModel {
	m := &recvModel{clients: clients, index: map[string][2]int{}}
	for ci, c := range clients {
		for i, id := range c.ids {
			m.index[id] = [2]int{ci, i}
		}
	}
	return m
}

// check reads the inbox dataset (counts, every version, the latest ones)
// and compares it with the model. It returns the versions checked.
func (m *recvModel) check(e *env, base string, log *trialLog) int {
	var info datasetInfo
	status, err := e.getJSON(base+"/api/datasets/"+inboxPipe, &info)
	if status == http.StatusNotFound {
		info = datasetInfo{} // nothing was ever written
	} else if err != nil {
		log.violation("reading the dataset after the restart: %v", err)
		return 0
	}
	history, err := e.readVersions(base, inboxPipe, true)
	if err != nil && status != http.StatusNotFound {
		log.violation("reading the history after the restart: %v", err)
		return 0
	}
	latest, err := e.readVersions(base, inboxPipe, false)
	if err != nil && status != http.StatusNotFound {
		log.violation("reading the latest versions after the restart: %v", err)
		return 0
	}
	checkInbox(m, info, history, latest, log.violation)
	return len(history)
}

// idHistory is what the dataset holds of one _id.
type idHistory struct {
	versions   []int // in offset order
	lastOffset int64
	last       storedVersion
}

// checkInbox compares the dataset with what was sent and acknowledged:
//   - offsets: 0 … versions-1, each once, in the order listed;
//   - each version is one the client sent, with exactly that content, after
//     the version before it of its _id (no version twice, none out of
//     order), and _previous names that version's offset;
//   - every acknowledged version is there;
//   - a request never acknowledged is there entirely or not at all;
//   - the latest versions are the last of each _id's history, and the
//     entity and deletion counts agree with them.
func checkInbox(m *recvModel, info datasetInfo, history, latest []storedVersion, violation func(string, ...any)) {
	if uint64(len(history)) != info.Versions {
		violation("the dataset says versions=%d but its history lists %d versions", info.Versions, len(history))
	}
	per := map[string]*idHistory{}
	for i, s := range history {
		if s.Updated == nil || *s.Updated != int64(i) {
			violation("history entry %d (%s version %d) has _updated %s: offsets must run 0, 1, 2, … each once", i, s.ID, s.V, ptr(s.Updated))
		}
		off := int64(i)
		if s.Updated != nil {
			off = *s.Updated
		}
		loc, ok := m.index[s.ID]
		if !ok {
			violation("offset %d holds _id %q, which no client sent", off, s.ID)
			continue
		}
		st := m.clients[loc[0]].status[loc[1]]
		if s.V < 1 || s.V > len(st) {
			violation("offset %d holds %s version %d, which was never sent (client %d sent versions 1–%d)", off, s.ID, s.V, loc[0], len(st))
		} else if del, pad := recvContent(s.ID, s.V); s.Deleted != del || s.Pad != pad {
			violation("offset %d holds %s version %d with other content than was sent: _deleted %t (sent %t), pad of %d bytes (sent %d)", off, s.ID, s.V, s.Deleted, del, len(s.Pad), len(pad))
		}
		h := per[s.ID]
		if h == nil {
			h = &idHistory{}
			per[s.ID] = h
			if s.Previous != nil {
				violation("offset %d: the first version of %s has _previous %d, want null", off, s.ID, *s.Previous)
			}
		} else {
			if prev := h.versions[len(h.versions)-1]; s.V <= prev {
				violation("offset %d holds %s version %d after version %d at offset %d: a version doubled or out of order", off, s.ID, s.V, prev, h.lastOffset)
			}
			if s.Previous == nil || *s.Previous != h.lastOffset {
				violation("offset %d: %s has _previous %s, want %d (its version before)", off, s.ID, ptr(s.Previous), h.lastOffset)
			}
		}
		h.versions = append(h.versions, s.V)
		h.lastOffset, h.last = off, s
	}

	for ci, c := range m.clients {
		for i, st := range c.status {
			var have []int
			if h := per[c.ids[i]]; h != nil {
				have = h.versions
			}
			for v0, s := range st {
				if s == vAcked && !slices.Contains(have, v0+1) {
					violation("acknowledged write lost: %s version %d (client %d) is not in the dataset, whose versions of it are %v", c.ids[i], v0+1, ci, have)
				}
			}
		}
		for _, b := range c.unacked {
			var in, out []recvItem
			for _, it := range b.items {
				h := per[c.ids[it.id]]
				if h != nil && slices.Contains(h.versions, it.v) {
					in = append(in, it)
				} else {
					out = append(out, it)
				}
			}
			if len(in) > 0 && len(out) > 0 {
				violation("a request of %d entities (client %d, never acknowledged) is partly written: %d of them are in the dataset (e.g. %s version %d), %d not (e.g. %s version %d)",
					len(b.items), ci, len(in), c.ids[in[0].id], in[0].v, len(out), c.ids[out[0].id], out[0].v)
			}
		}
	}

	if int64(len(latest)) != info.Entities {
		violation("the dataset says entities=%d but lists %d latest versions", info.Entities, len(latest))
	}
	if len(latest) != len(per) {
		violation("the latest versions list %d _ids, the history %d", len(latest), len(per))
	}
	seen := map[string]bool{}
	deleted := int64(0)
	for _, s := range latest {
		if seen[s.ID] {
			violation("the latest versions list %s twice", s.ID)
		}
		seen[s.ID] = true
		if s.Deleted {
			deleted++
		}
		h := per[s.ID]
		switch {
		case h == nil:
			violation("the latest versions list %s (version %d), which has no history", s.ID, s.V)
		case s.Updated == nil || *s.Updated != h.lastOffset || s.V != h.last.V || s.Hash != h.last.Hash:
			violation("the latest version of %s is version %d at offset %s, but its history ends with version %d at offset %d", s.ID, s.V, ptr(s.Updated), h.last.V, h.lastOffset)
		}
	}
	if deleted != info.Deleted {
		violation("the dataset says deleted=%d but %d latest versions are deletions", info.Deleted, deleted)
	}
}

func ptr(p *int64) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}
