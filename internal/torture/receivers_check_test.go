package torture

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// inboxFixture is one client that sent three batches: the first two
// acknowledged, the third cut off by a kill; and the dataset as the service
// would list it with the third batch not written.
func inboxFixture() (*recvModel, datasetInfo, []storedVersion, []storedVersion) {
	c := newRecvClient(0, rand.New(rand.NewPCG(1, 2)), 5)
	send := func(ids ...int) *recvBatch {
		b := &recvBatch{}
		for _, id := range ids {
			c.status[id] = append(c.status[id], vSent)
			b.items = append(b.items, recvItem{id, len(c.status[id])})
		}
		c.unacked = append(c.unacked, b)
		c.pending = b
		return b
	}
	send(0, 1)
	c.ack()
	send(0, 2)
	c.ack()
	send(1, 2) // never acknowledged
	m := newRecvModel([]*recvClient{c})

	var history []storedVersion
	last := map[string]int64{}
	add := func(idx, v int) {
		id := c.ids[idx]
		del, pad := recvContent(id, v)
		off := int64(len(history))
		s := storedVersion{ID: id, V: v, Pad: pad, Deleted: del, Hash: id + string(rune('0'+v)), Updated: &off}
		if p, ok := last[id]; ok {
			s.Previous = &p
		}
		last[id] = off
		history = append(history, s)
	}
	add(0, 1)
	add(1, 1)
	add(0, 2)
	add(2, 1)
	return m, datasetInfo{Versions: 4, Entities: 3, Deleted: 0}, history, latestOf(history)
}

// latestOf is what the service lists without history: each _id's last
// version, in offset order.
func latestOf(history []storedVersion) []storedVersion {
	lastAt := map[string]int{}
	for i, s := range history {
		lastAt[s.ID] = i
	}
	var out []storedVersion
	for i, s := range history {
		if lastAt[s.ID] == i {
			out = append(out, s)
		}
	}
	return out
}

func collect() (func(string, ...any), *[]string) {
	var got []string
	return func(format string, args ...any) {
		got = append(got, strings.TrimSpace(fmt.Sprintf(format, args...)))
	}, &got
}

func TestCheckInboxAcceptsWhatWasSent(t *testing.T) {
	m, info, history, latest := inboxFixture()
	report, got := collect()
	checkInbox(m, info, history, latest, report)
	if len(*got) != 0 {
		t.Fatalf("want no violations, got %q", *got)
	}
	// The cut-off batch written whole is fine too.
	c := m.clients[0]
	del, pad := recvContent(c.ids[1], 2)
	off, prev := int64(4), int64(1)
	history = append(history, storedVersion{ID: c.ids[1], V: 2, Pad: pad, Deleted: del, Hash: "x", Updated: &off, Previous: &prev})
	del, pad = recvContent(c.ids[2], 2)
	off2, prev2 := int64(5), int64(3)
	history = append(history, storedVersion{ID: c.ids[2], V: 2, Pad: pad, Deleted: del, Hash: "y", Updated: &off2, Previous: &prev2})
	info.Versions = 6
	info.Deleted = 0
	for _, s := range latestOf(history) {
		if s.Deleted {
			info.Deleted++
		}
	}
	checkInbox(m, info, history, latestOf(history), report)
	if len(*got) != 0 {
		t.Fatalf("the unacknowledged batch written whole: want no violations, got %q", *got)
	}
}

func TestCheckInboxFindsViolations(t *testing.T) {
	cases := map[string]struct {
		mutate func(m *recvModel, info *datasetInfo, h *[]storedVersion)
		want   string
	}{
		"acknowledged version lost": {
			func(_ *recvModel, info *datasetInfo, h *[]storedVersion) {
				*h = (*h)[:3] // c00-0002 v1 gone
				info.Versions, info.Entities = 3, 2
			},
			"acknowledged write lost: c00-0002 version 1",
		},
		"doubled version": {
			func(_ *recvModel, info *datasetInfo, h *[]storedVersion) {
				dup := (*h)[2] // c00-0000 v2 again
				off, prev := int64(4), int64(2)
				dup.Updated, dup.Previous = &off, &prev
				*h = append(*h, dup)
				info.Versions = 5
			},
			"a version doubled or out of order",
		},
		"offset gap": {
			func(_ *recvModel, _ *datasetInfo, h *[]storedVersion) {
				off := int64(7)
				(*h)[3].Updated = &off
			},
			"offsets must run 0, 1, 2",
		},
		"versions count": {
			func(_ *recvModel, info *datasetInfo, _ *[]storedVersion) { info.Versions = 9 },
			"says versions=9 but its history lists 4",
		},
		"other content": {
			func(_ *recvModel, _ *datasetInfo, h *[]storedVersion) { (*h)[1].Pad += "!" },
			"with other content than was sent",
		},
		"never sent": {
			func(_ *recvModel, _ *datasetInfo, h *[]storedVersion) { (*h)[3].V = 3 },
			"which was never sent",
		},
		"wrong _previous": {
			func(_ *recvModel, _ *datasetInfo, h *[]storedVersion) {
				p := int64(1)
				(*h)[2].Previous = &p
			},
			"has _previous 1, want 0",
		},
		"batch partly written": {
			func(m *recvModel, info *datasetInfo, h *[]storedVersion) {
				c := m.clients[0]
				del, pad := recvContent(c.ids[1], 2)
				off, prev := int64(4), int64(1)
				*h = append(*h, storedVersion{ID: c.ids[1], V: 2, Pad: pad, Deleted: del, Updated: &off, Previous: &prev})
				info.Versions = 5
				if del {
					info.Deleted++
				}
			},
			"is partly written",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			m, info, history, _ := inboxFixture()
			tc.mutate(m, &info, &history)
			report, got := collect()
			checkInbox(m, info, history, latestOf(history), report)
			if !containsAny(*got, tc.want) {
				t.Fatalf("want a violation with %q, got %q", tc.want, *got)
			}
		})
	}
}

func TestCheckInboxComparesLatest(t *testing.T) {
	m, info, history, latest := inboxFixture()
	latest[0] = history[0] // an older version listed as the latest
	report, got := collect()
	checkInbox(m, info, history, latest, report)
	if !containsAny(*got, "the latest version of c00-0000 is version 1") {
		t.Fatalf("got %q", *got)
	}
	report, got = collect()
	info.Entities = 5
	checkInbox(m, info, history, latestOf(history), report)
	if !containsAny(*got, "says entities=5") {
		t.Fatalf("got %q", *got)
	}
}

func containsAny(got []string, want string) bool {
	for _, g := range got {
		if strings.Contains(g, want) {
			return true
		}
	}
	return false
}
