package receiver

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/store"
)

const signedConfig = `[{"_id": "sw", "type": "pipe", "source": {"type": "http_endpoint",
  "validation": {"type": "standard-webhooks", "secret": "$SECRET(sw)"}}}]`

// signSW signs a Standard Webhooks message with the test secret "sw".
func signSW(id string, ts int64, body string) []string {
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(testSecrets["sw"], "whsec_"))
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + strconv.FormatInt(ts, 10) + "." + body))
	return swHeaders(id, ts, "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)))
}

// rawRequest writes a request head announcing contentLength bytes of body,
// then only sent of them, and waits up to wait for the status line.
func rawRequest(t *testing.T, addr, path string, contentLength int, sent string, header []string, wait time.Duration) (int, net.Conn) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	var b strings.Builder
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n", path, contentLength)
	for i := 0; i+1 < len(header); i += 2 {
		fmt.Fprintf(&b, "%s: %s\r\n", header[i], header[i+1])
	}
	b.WriteString("\r\n" + sent)
	if _, err := c.Write([]byte(b.String())); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(wait))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return 0, c // no answer in time
	}
	f := strings.Fields(line)
	if len(f) < 2 {
		t.Fatalf("status line %q", line)
	}
	status, _ := strconv.Atoi(f[1])
	return status, c
}

// A request that cannot pass its validation is refused before its body is
// read: an unsigned 16 MB body that never arrives gets its 401 at once,
// and so does one whose timestamp is out of the tolerance.
func TestUnsignedBodyRefusedBeforeItIsRead(t *testing.T) {
	h := newHarness(t, signedConfig)
	addr := h.srv.Listener.Addr().String()
	status, _ := rawRequest(t, addr, "/api/receivers/sw/entities", 16_000_000, `[{"_id":`, nil, 2*time.Second)
	if status != http.StatusUnauthorized {
		t.Errorf("unsigned stalled body: status %d, want 401 before the body", status)
	}
	old := time.Now().Add(-time.Hour).Unix()
	status, _ = rawRequest(t, addr, "/api/receivers/sw/entities", 16_000_000, `[{"_id":`, signSW("m1", old, "x"), 2*time.Second)
	if status != http.StatusUnauthorized {
		t.Errorf("stale timestamp, stalled body: status %d, want 401 before the body", status)
	}
	if n := h.versions("sw"); n != 0 {
		t.Errorf("%d versions written", n)
	}
}

// Request bodies in memory are bounded across requests: a body arriving
// while others hold the budget is refused with 503 and Retry-After, and
// the budget comes back when a stalled request ends.
func TestBodyBudgetBoundsMemory(t *testing.T) {
	h := newHarnessWith(t, basicConfig, harnessOptions{receiver: Options{BodyBudget: 256 << 10}})
	addr := h.srv.Listener.Addr().String()
	// A stalled body holding 200 KB of the 256 KB budget.
	stalled := `[{"_id":"s","pad":"` + strings.Repeat("x", 200<<10)
	status, conn := rawRequest(t, addr, "/api/receivers/in/entities", 400<<10, stalled, nil, 300*time.Millisecond)
	if status != 0 {
		t.Fatalf("the stalled request was answered: %d", status)
	}
	waitFor(t, func() bool { return h.receiver().budget.InUse() >= 200<<10 })
	body := `[{"_id":"a","pad":"` + strings.Repeat("y", 100<<10) + `"}]`
	r := h.post("in", "", "application/json", body)
	expect(t, r, http.StatusServiceUnavailable, "retry")
	if r.header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	if h.lastOutcome().outcome != OutcomeBusy {
		t.Errorf("outcome %+v", h.lastOutcome())
	}
	conn.Close()
	waitFor(t, func() bool { return h.receiver().budget.InUse() == 0 })
	expect(t, h.post("in", "", "application/json", body), http.StatusOK)
	if h.receiver().budget.InUse() != 0 {
		t.Errorf("%d bytes still held after the request", h.receiver().budget.InUse())
	}
}

// A message accepted before a restart is still known after it: a captured
// copy replayed within the tolerance is answered 200 and written nowhere,
// so it cannot roll an entity back.
func TestReplayProtectionSurvivesARestart(t *testing.T) {
	h := newHarnessWith(t, signedConfig, harnessOptions{})
	now := time.Now()
	first, second := `{"_id": "a", "v": 1}`, `{"_id": "a", "v": 2}`
	expect(t, h.post("sw", "", "application/json", first, signSW("msg-1", now.Unix(), first)...), 200)
	expect(t, h.post("sw", "", "application/json", second, signSW("msg-2", now.Unix(), second)...), 200)
	h.restart()
	expect(t, h.post("sw", "", "application/json", first, signSW("msg-1", now.Unix(), first)...), 200)
	if o := h.lastOutcome(); o.outcome != OutcomeDuplicate {
		t.Errorf("replay after a restart: outcome %q, want %q", o.outcome, OutcomeDuplicate)
	}
	if v := h.latest("sw")["a"]["v"]; v != 2.0 || h.versions("sw") != 2 {
		t.Errorf("after the replay: a.v = %v, %d versions", v, h.versions("sw"))
	}
	// A new message is still received after the restart.
	third := `{"_id": "a", "v": 3}`
	expect(t, h.post("sw", "", "application/json", third, signSW("msg-3", now.Unix(), third)...), 200)
	if v := h.latest("sw")["a"]["v"]; v != 3.0 {
		t.Errorf("a.v = %v, want 3", v)
	}
}

// A request too big for one transaction gets 413 naming how many entities
// a request may hold, and writes nothing; a request of that size goes in.
func TestLargeRequestGets413WithTheLimit(t *testing.T) {
	h := newHarness(t, basicConfig)
	batch := func(n int) string {
		var b strings.Builder
		b.WriteString("[")
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"_id":"e%d","n":%d}`, i, i)
		}
		return b.String() + "]"
	}
	r := h.post("in", "", "application/json", batch(150_000))
	expect(t, r, http.StatusRequestEntityTooLarge, "150000 entities", "per request")
	if n := h.versions("in"); n != 0 {
		t.Fatalf("%d versions written by a refused request", n)
	}
	var limit int
	if _, err := fmt.Sscanf(r.errorMsg(t)[strings.Index(r.errorMsg(t), "at most about ")+len("at most about "):], "%d", &limit); err != nil || limit < 1000 {
		t.Fatalf("no usable limit in %q", r.errorMsg(t))
	}
	expect(t, h.post("in", "", "application/json", batch(limit)), http.StatusOK)
	if n := h.versions("in"); n != uint64(limit) {
		t.Errorf("%d versions, want %d", n, limit)
	}
}

// An _id longer than the store takes is the sender's mistake: 400 naming
// the limit, without a dump of the key, and nothing written — whether the
// sender sent it or a transform made it.
func TestOverlongIDGets400(t *testing.T) {
	h := newHarness(t, `[{"_id": "in", "type": "pipe", "source": {"type": "http_endpoint"}},
	{"_id": "made", "type": "pipe", "source": {"type": "http_endpoint"},
	  "transform": {"type": "dtl", "rules": {"default": [["add", "_id", ["concat", "_S.k", "_S.k"]]]}}}]`)
	long := strings.Repeat("k", 70_000)
	r := h.post("in", "", "application/json", `[{"_id":"ok"},{"_id":"`+long+`"}]`)
	expect(t, r, http.StatusBadRequest, "70000 bytes", fmt.Sprint(entity.MaxIDBytes))
	if strings.Contains(r.body, "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk") || len(r.body) > 500 {
		t.Errorf("the answer repeats the _id: %d bytes", len(r.body))
	}
	r = h.post("made", "", "application/json", `{"_id":"x","k":"`+strings.Repeat("k", 5000)+`"}`)
	expect(t, r, http.StatusBadRequest, "10000 bytes")
	if h.versions("in") != 0 || h.versions("made") != 0 {
		t.Error("something was written")
	}
}

// Below the disk reserve, receivers answer 507 with Retry-After and write
// nothing; once space is back they take requests again by themselves.
func TestDiskFullGets507(t *testing.T) {
	var free atomic.Uint64
	free.Store(1 << 40)
	h := newHarnessWith(t, basicConfig, harnessOptions{store: store.Options{MinFree: store.DefaultMinFree, FreeSpace: func(string) (uint64, error) { return free.Load(), nil }}})
	expect(t, h.post("in", "", "application/json", `{"_id":"a","v":1}`), http.StatusOK)
	free.Store(1 << 20)
	r := h.post("in", "", "application/json", `{"_id":"a","v":2}`)
	expect(t, r, http.StatusInsufficientStorage, "free", "--min-free")
	if r.header.Get("Retry-After") == "" {
		t.Error("507 without Retry-After")
	}
	if h.lastOutcome().outcome != OutcomeDiskFull {
		t.Errorf("outcome %+v", h.lastOutcome())
	}
	free.Store(1 << 40)
	expect(t, h.post("in", "", "application/json", `{"_id":"a","v":2}`), http.StatusOK)
	if v := h.latest("in")["a"]["v"]; v != 2.0 {
		t.Errorf("a.v = %v", v)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
