package torture

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
)

// Version states a receiver client keeps per _id: index v-1 is version v.
const (
	vSent  uint8 = 1 // sent, not (yet) acknowledged
	vAcked uint8 = 2 // answered 200: durable
)

// recvClient pushes batches of its own _ids, each with a version number
// that grows per _id, one request at a time. A request the kill cut off
// stays pending: the next trial sends it again as it was, or abandons it
// and sends newer versions instead.
type recvClient struct {
	n       int
	rng     *rand.Rand
	ids     []string
	status  [][]uint8 // per _id, per version
	perm    []int
	pending *recvBatch
	unacked []*recvBatch // pending and abandoned batches, for the atomicity check
}

// recvBatch is one request.
type recvBatch struct {
	items  []recvItem
	ndjson bool
	body   []byte
}

type recvItem struct{ id, v int } // id indexes the client's ids

func newRecvClient(n int, rng *rand.Rand, ids int) *recvClient {
	c := &recvClient{n: n, rng: rng, status: make([][]uint8, ids), perm: make([]int, ids)}
	for i := range ids {
		c.ids = append(c.ids, fmt.Sprintf("c%02d-%04d", n, i))
		c.perm[i] = i
	}
	return c
}

// recvContent is what version v of an _id holds, so a check can tell what
// was sent from the _id and version alone: now and then a deletion, and a
// padding whose length varies so that some versions go to Badger's value
// log and others stay in its tree.
func recvContent(id string, v int) (deleted bool, pad string) {
	h := fnv.New64a()
	h.Write([]byte(id))
	x := h.Sum64() ^ uint64(v)*0x9e3779b97f4a7c15
	x ^= x >> 31
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 29
	deleted = v > 1 && x%11 == 0
	n := int(x >> 8 % 40)
	if x>>16%5 == 0 {
		n = 256 + int(x>>24%200)
	}
	return deleted, strings.Repeat(string(rune('a'+x>>40%26)), n)
}

// newBatch picks distinct _ids (mostly a few, sometimes up to 1,000) and
// gives each its next version. A batch never holds two versions of one
// _id: sent again after it was written, it would write the older version
// anew over the newer (without an idempotency key, a receiver cannot tell
// a retry from a new request).
func (c *recvClient) newBatch() *recvBatch {
	var size int
	switch r := c.rng.IntN(100); {
	case r < 70:
		size = 1 + c.rng.IntN(20)
	case r < 95:
		size = 1 + c.rng.IntN(200)
	default:
		size = 1 + c.rng.IntN(1000)
	}
	size = min(size, len(c.ids))
	for i := range size {
		j := i + c.rng.IntN(len(c.perm)-i)
		c.perm[i], c.perm[j] = c.perm[j], c.perm[i]
	}
	b := &recvBatch{ndjson: c.rng.IntN(2) == 0}
	next := func(idx int) {
		c.status[idx] = append(c.status[idx], vSent)
		b.items = append(b.items, recvItem{idx, len(c.status[idx])})
	}
	for _, idx := range c.perm[:size] {
		next(idx)
	}
	var buf bytes.Buffer
	if !b.ndjson {
		buf.WriteByte('[')
	}
	for i, it := range b.items {
		if i > 0 && !b.ndjson {
			buf.WriteByte(',')
		}
		deleted, pad := recvContent(c.ids[it.id], it.v)
		fmt.Fprintf(&buf, `{"_id":%q,"v":%d,"pad":%q`, c.ids[it.id], it.v, pad)
		if deleted {
			buf.WriteString(`,"_deleted":true`)
		}
		buf.WriteByte('}')
		if b.ndjson {
			buf.WriteByte('\n')
		}
	}
	if !b.ndjson {
		buf.WriteByte(']')
	}
	b.body = buf.Bytes()
	c.unacked = append(c.unacked, b)
	return b
}

// resume decides, before a trial, what becomes of a request the last kill
// cut off: three times in ten it is abandoned for newer versions.
func (c *recvClient) resume() {
	if c.pending != nil && c.rng.IntN(10) < 3 {
		c.pending = nil
	}
}

// recvStats count what a trial's clients got acknowledged.
type recvStats struct {
	requests, entities atomic.Int64
}

// run sends requests until one fails: after the kill that is expected;
// before it, it is a violation.
func (c *recvClient) run(e *env, url string, killed *atomic.Bool, log *trialLog, stats *recvStats) {
	for e.ctx.Err() == nil {
		if c.pending == nil {
			c.pending = c.newBatch()
		}
		status, body, err := c.post(e.ctx, e.http, url, c.pending)
		switch {
		case err != nil:
			if !killed.Load() && e.ctx.Err() == nil {
				log.violation("client %d: a request of %d entities failed while the service was up: %v", c.n, len(c.pending.items), err)
			}
			return
		case status != http.StatusOK || strings.TrimSpace(body) != "{}":
			if !killed.Load() {
				log.violation("client %d: a request of %d entities (%s) was answered %d %s", c.n, len(c.pending.items), c.pending.kind(), status, body)
			}
			return
		}
		c.ack()
		stats.requests.Add(1)
		stats.entities.Add(int64(len(c.pending.items)))
		c.pending = nil
	}
}

// ack marks the pending batch durable.
func (c *recvClient) ack() {
	for _, it := range c.pending.items {
		c.status[it.id][it.v-1] = vAcked
	}
	if n := len(c.unacked); n > 0 && c.unacked[n-1] == c.pending {
		c.unacked = c.unacked[:n-1]
	}
}

func (b *recvBatch) kind() string {
	if b.ndjson {
		return "NDJSON"
	}
	return "JSON array"
}

func (c *recvClient) post(ctx context.Context, client *http.Client, url string, b *recvBatch) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/api/receivers/"+inboxPipe+"/entities", bytes.NewReader(b.body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	if b.ndjson {
		req.Header.Set("Content-Type", "application/x-ndjson")
	}
	req.Header.Set("X-Torture-Client", strconv.Itoa(c.n))
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4000))
	if err != nil {
		return 0, "", err
	}
	return resp.StatusCode, string(body), nil
}
