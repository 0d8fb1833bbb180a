package torture

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// hookReceiver is the flaky endpoint of scenario 3. It verifies every
// request's Standard Webhooks signature with the reference library, keeps
// every request it could read, and answers with random failures: 500s,
// 503s with Retry-After, delays past the sender's timeout, and connections
// dropped before or after it took the message.
type hookReceiver struct {
	srv    *http.Server
	url    string
	verify *standardwebhooks.Webhook

	mu     sync.Mutex
	rng    *rand.Rand
	trial  int
	seen   []hookRequest
	active sync.WaitGroup
	// problems are signature and format violations, for the trial's check.
	problems []string
}

// hookRequest is one request the receiver read.
type hookRequest struct {
	seq       int
	trial     int
	webhookID string
	records   []hookRecord
	accepted  bool // the receiver took the message (whatever the sender heard)
	fate      string
}

// hookRecord is one record of a request: its entity, op and payload
// without the per-run meta (row number), as canonical JSON.
type hookRecord struct {
	id, op, payload string
}

// Fates of a request.
const (
	fateOK         = "ok"
	fate500        = "500"
	fate503        = "503 Retry-After"
	fateDropBefore = "dropped before reading"
	fateDropAfter  = "taken, then dropped"
	fateSlow       = "taken, answered after the timeout"
)

func startHookReceiver(rng *rand.Rand, secret string) (*hookReceiver, error) {
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	h := &hookReceiver{rng: rng, verify: wh, url: "http://" + ln.Addr().String() + "/hooks"}
	h.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go h.srv.Serve(ln)
	return h, nil
}

func (h *hookReceiver) close() { _ = h.srv.Close() }

// setTrial tags what arrives from now on.
func (h *hookReceiver) setTrial(n int) {
	h.mu.Lock()
	h.trial = n
	h.mu.Unlock()
}

// idle waits until no request is being handled (a killed sender's slow
// answers included).
func (h *hookReceiver) idle() { h.active.Wait() }

// fate picks what happens to a request.
func (h *hookReceiver) fate() (string, time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch r := h.rng.IntN(100); {
	case r < 8:
		return fate500, time.Duration(h.rng.IntN(10)) * time.Millisecond
	case r < 10:
		return fate503, 0
	case r < 14:
		return fateDropBefore, 0
	case r < 18:
		return fateDropAfter, time.Duration(h.rng.IntN(10)) * time.Millisecond
	case r < 20:
		return fateSlow, hookTimeout + 200*time.Millisecond
	default:
		return fateOK, time.Duration(h.rng.IntN(15)) * time.Millisecond
	}
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.active.Add(1)
	defer h.active.Done()
	fate, delay := h.fate()
	if fate == fateDropBefore {
		drop(w, h.rngBool())
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return // the sender went away (killed)
	}
	req := hookRequest{webhookID: r.Header.Get("webhook-id"), fate: fate}
	var problem string
	if err := h.verify.Verify(body, r.Header); err != nil {
		problem = fmt.Sprintf("request %s: the signature does not verify with the Standard Webhooks library: %v (headers id=%q timestamp=%q signature=%q)",
			req.webhookID, err, r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature"))
	} else if req.records, err = parseHookBody(body); err != nil {
		problem = fmt.Sprintf("request %s: %v: %s", req.webhookID, err, clip(body))
	}
	req.accepted = problem == "" && (fate == fateOK || fate == fateDropAfter || fate == fateSlow)
	h.mu.Lock()
	req.seq, req.trial = len(h.seen), h.trial
	h.seen = append(h.seen, req)
	if problem != "" {
		h.problems = append(h.problems, problem)
	}
	h.mu.Unlock()
	if problem != "" {
		http.Error(w, problem, http.StatusUnauthorized)
		return
	}
	time.Sleep(delay)
	switch fate {
	case fate500:
		http.Error(w, "flaky", http.StatusInternalServerError)
	case fate503:
		w.Header().Set("Retry-After", "0")
		http.Error(w, "busy", http.StatusServiceUnavailable)
	case fateDropAfter:
		drop(w, h.rngBool())
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

func (h *hookReceiver) rngBool() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rng.IntN(2) == 0
}

// drop closes the connection without an answer; reset makes it a TCP RST
// rather than a FIN.
func drop(w http.ResponseWriter, reset bool) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "cannot drop", http.StatusInternalServerError)
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok && reset {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// parseHookBody reads a request body: a JSON array of records, or one
// record (batch_format "record").
func parseHookBody(body []byte) ([]hookRecord, error) {
	type record struct {
		MessageID *int64                     `json:"_message_id"`
		SyncMode  string                     `json:"_sync_mode"`
		Payload   map[string]json.RawMessage `json:"payload"`
	}
	var recs []record
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		recs = make([]record, 1)
		if err := json.Unmarshal(trimmed, &recs[0]); err != nil {
			return nil, fmt.Errorf("a body that is not a record: %w", err)
		}
	} else if err := json.Unmarshal(trimmed, &recs); err != nil {
		return nil, fmt.Errorf("a body that is not an array of records: %w", err)
	}
	if len(recs) == 0 {
		return nil, errors.New("a request without records")
	}
	out := make([]hookRecord, 0, len(recs))
	for i, rec := range recs {
		if rec.MessageID == nil || rec.Payload == nil {
			return nil, fmt.Errorf("record %d lacks _message_id or payload", i)
		}
		var meta struct {
			SyncOp string `json:"sync_op"`
		}
		if err := json.Unmarshal(rec.Payload["_meta"], &meta); err != nil || meta.SyncOp == "" {
			return nil, fmt.Errorf("record %d: payload._meta.sync_op missing", i)
		}
		var id string
		if err := json.Unmarshal(rec.Payload["_id"], &id); err != nil || id == "" {
			return nil, fmt.Errorf("record %d: payload without a string _id", i)
		}
		delete(rec.Payload, "_meta")
		canon, err := canonicalJSON(rec.Payload)
		if err != nil {
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
		out = append(out, hookRecord{id: id, op: meta.SyncOp, payload: canon})
	}
	return out, nil
}

// canonicalJSON re-encodes v with sorted keys and exact numbers, so equal
// payloads compare equal as strings.
func canonicalJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return "", err
	}
	b, err = json.Marshal(x)
	return string(b), err
}

// requests returns a copy of what arrived, and the problems found.
func (h *hookReceiver) requests() ([]hookRequest, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hookRequest(nil), h.seen...), append([]string(nil), h.problems...)
}
