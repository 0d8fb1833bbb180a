package torture

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
)

// hookModel is the source dataset of scenario 3 as the torture wrote it:
// every version of every entity, and the trial that wrote it.
type hookModel struct {
	ids    []string
	ents   []*hookEntity
	mirror bool // deletions are made (and sent) only in mirror mode
}

type hookEntity struct {
	versions []hookVersion // all, oldest first
}

type hookVersion struct {
	v       int
	deleted bool
	trial   int
}

func (e *hookEntity) latest() hookVersion { return e.versions[len(e.versions)-1] }

func newHookModel(n int, mirror bool) *hookModel {
	m := &hookModel{mirror: mirror}
	for i := range n {
		m.ids = append(m.ids, fmt.Sprintf("w%04d", i))
		m.ents = append(m.ents, &hookEntity{})
	}
	return m
}

// hookContent is version v of an entity, as imported (and, but for
// _deleted, as its payload should arrive).
func hookContent(id string, v int) map[string]any {
	return map[string]any{
		"_id": id, "v": v, "name": fmt.Sprintf("name of %s, version %d", id, v),
		"attrs": map[string]any{"double": 2 * v, "list": []any{v, "x"}},
	}
}

// hookPayload is the canonical payload a version should arrive with.
func hookPayload(id string, v int) string {
	s, err := canonicalJSON(hookContent(id, v))
	if err != nil {
		panic(err) // a map of strings and numbers always encodes
	}
	return s
}

// change writes the next trial's versions as NDJSON: in the first trial
// every entity, later a random share of them — updated, and in mirror mode
// now and then deleted or brought back.
func (m *hookModel) change(rng *rand.Rand, trial int) ([]byte, int) {
	var buf bytes.Buffer
	share := 0.1 + 0.3*rng.Float64()
	n := 0
	for i, e := range m.ents {
		if len(e.versions) > 0 && rng.Float64() >= share {
			continue
		}
		next := hookVersion{v: len(e.versions) + 1, trial: trial}
		if len(e.versions) > 0 && m.mirror {
			if e.latest().deleted {
				next.deleted = rng.IntN(2) == 0
			} else {
				next.deleted = rng.IntN(7) == 0
			}
		}
		e.versions = append(e.versions, next)
		content := hookContent(m.ids[i], next.v)
		if next.deleted {
			content["_deleted"] = true
		}
		b, _ := json.Marshal(content)
		buf.Write(b)
		buf.WriteByte('\n')
		n++
	}
	return buf.Bytes(), n
}
