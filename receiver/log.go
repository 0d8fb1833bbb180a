package receiver

import (
	"encoding/json"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tidwall/gjson"

	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/httpjson"
	"github.com/sluice-sync/sluice/store"
)

// What one receiver-log entry keeps at most, so that a hostile request
// (a megabyte of headers) costs the log a few kilobytes.
const (
	logMaxHeaders     = 50   // headers kept; the rest are counted
	logMaxHeaderBytes = 256  // of each header value
	logMaxTextBytes   = 1024 // of the path, the query and the error
	logMaxRejectBytes = 256  // of the error of a refused request
)

// sensitiveHeaders are logged as "***" whatever they hold.
var sensitiveHeaders = map[string]bool{
	"authorization": true, "proxy-authorization": true, "cookie": true, "set-cookie": true,
	"webhook-signature": true, "x-api-key": true,
}

// loggedHeaders gives the request's headers with lower-cased names, secrets
// redacted (sensitive headers, the validation headers, and any header
// holding a secret) and bounded: at most logMaxHeaders, each value cut at
// logMaxHeaderBytes. It returns how many headers were left out.
func (q *request) loggedHeaders() (map[string]string, int) {
	hidden := map[string]bool{}
	for _, h := range q.cfg.HiddenHeaders {
		hidden[strings.ToLower(h)] = true
	}
	names := make([]string, 0, len(q.r.Header))
	for name := range q.r.Header {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make(map[string]string, min(len(names), logMaxHeaders))
	for _, name := range names[:min(len(names), logMaxHeaders)] {
		lname := truncate(strings.ToLower(name), logMaxHeaderBytes)
		v := strings.Join(q.r.Header[name], ", ")
		if sensitiveHeaders[lname] || hidden[lname] || q.redact(v) != v {
			v = "***"
		}
		out[lname] = truncate(v, logMaxHeaderBytes)
	}
	return out, len(names) - len(out)
}

// truncate cuts s to at most n bytes, saying how long it was.
func truncate(s string, n int) string { return httpjson.Truncate(s, n) }

// logEntry is one request in a receiver-log dataset. A refused request (a
// 4xx answer) is kept as a summary, without its headers: such requests are
// what a flood is made of.
type logEntry struct {
	ID             string            `json:"_id"`
	Pipe           string            `json:"pipe"`
	Time           string            `json:"time"`
	Method         string            `json:"method"`
	Path           string            `json:"path"`
	Query          string            `json:"query,omitempty"`
	RemoteAddr     string            `json:"remote_addr,omitempty"`
	Headers        map[string]string `json:"headers,omitempty"`
	HeadersOmitted int               `json:"headers_omitted,omitempty"`
	BodyBytes      int64             `json:"body_bytes"`
	Outcome        string            `json:"outcome"`
	Status         int               `json:"status"`
	LatencyMS      float64           `json:"latency_ms"`
	Entities       int               `json:"entities"`
	Error          string            `json:"error,omitempty"`
	WebhookID      string            `json:"webhook_id,omitempty"`
	SequenceID     string            `json:"sequence_id,omitempty"`
	SeqRequestID   string            `json:"sequence_request_id,omitempty"`
}

// writeLog appends the request to the pipe's receiver-log dataset, and now
// and then prunes the log. A failure is logged, never the request's.
func (rc *Receiver) writeLog(q *request, res *result, start time.Time, elapsed time.Duration) {
	e := logEntry{
		ID:         q.id,
		Pipe:       q.pipe,
		Time:       "~t" + start.UTC().Format(time.RFC3339Nano),
		Method:     q.r.Method,
		Path:       truncate(q.r.URL.Path, logMaxTextBytes),
		Query:      truncate(q.redact(q.r.URL.RawQuery), logMaxTextBytes),
		RemoteAddr: truncate(q.r.RemoteAddr, logMaxHeaderBytes),
		BodyBytes:  q.bodyBytes,
		Outcome:    res.outcome,
		Status:     res.status,
		LatencyMS:  float64(elapsed.Microseconds()) / 1000,
		Entities:   res.entities,
		Error:      truncate(res.msg, logMaxTextBytes),
		WebhookID:  truncate(q.webhookID, logMaxHeaderBytes),
	}
	if res.status >= 400 && res.status < 500 {
		e.Error = truncate(res.msg, logMaxRejectBytes)
	} else {
		e.Headers, e.HeadersOmitted = q.loggedHeaders()
	}
	if q.sync.full {
		e.SequenceID = truncate(q.sync.sequenceID, logMaxHeaderBytes)
		e.SeqRequestID = truncate(q.sync.requestID, logMaxHeaderBytes)
	}
	b, err := json.Marshal(e)
	st := q.eng.Store()
	name := LogDatasetPrefix + q.pipe
	if err == nil {
		_, err = st.Write(name, []entity.Entity{b}, store.WriteOptions{})
	}
	if err != nil {
		rc.log.Warn("receiver: writing the receiver log", "pipe", q.pipe, "error", err)
		return
	}
	rc.logs.maybePrune(rc, st, name, q.cfg.LogMaxEntries, q.cfg.LogMaxAge)
}

// logPruneEvery is how many log writes pass between prunes of one log.
const logPruneEvery = 100

// logPruner prunes receiver logs in the background, one prune per log at a
// time, every logPruneEvery writes.
type logPruner struct {
	mu      sync.Mutex
	writes  map[string]int
	pruning map[string]bool
}

func (p *logPruner) maybePrune(rc *Receiver, st *store.Store, name string, maxEntries int, maxAge time.Duration) {
	p.mu.Lock()
	if p.writes == nil {
		p.writes, p.pruning = map[string]int{}, map[string]bool{}
	}
	p.writes[name]++
	due := p.writes[name]%logPruneEvery == 1 && !p.pruning[name]
	if due {
		p.pruning[name] = true
	}
	p.mu.Unlock()
	if !due {
		return
	}
	go func() {
		defer func() {
			p.mu.Lock()
			delete(p.pruning, name)
			p.mu.Unlock()
		}()
		n, err := pruneLog(st, name, maxEntries, rc.now().Add(-maxAge))
		switch {
		case err != nil:
			rc.log.Warn("receiver: pruning the receiver log", "dataset", name, "error", err)
		case n > 0:
			rc.log.Debug("receiver: pruned the receiver log", "dataset", name, "removed", n)
		}
	}()
}

// pruneLog trims a receiver log to its newest maxEntries entries and to
// the entries written after cutoff.
func pruneLog(st *store.Store, name string, maxEntries int, cutoff time.Time) (int, error) {
	info, ok := st.Dataset(name)
	if !ok {
		return 0, nil
	}
	var before uint64
	if maxEntries > 0 && info.Versions > uint64(maxEntries) {
		before = info.Versions - uint64(maxEntries)
	}
	// Entries are written in time order: the first one young enough ends
	// what is too old.
	limit := cutoff.UnixMicro()
	err := st.Scan(name, store.ReadOptions{From: max(before, info.First), History: true}, func(offset uint64, e []byte) error {
		if gjson.GetBytes(e, entity.PropTS).Int() >= limit {
			return store.Stop
		}
		before = offset + 1
		return nil
	})
	if err != nil || before <= info.First {
		return 0, err
	}
	return st.Trim(name, before)
}
