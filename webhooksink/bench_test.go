package webhooksink_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/builtin"
	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
	"github.com/sluice-sync/sluice/webhooksink"
)

const (
	benchEntities = 20_000
	benchBatch    = 100
)

// benchReceivers are the local receivers: one that only reads the body,
// and one that decodes it as a Go service would before answering.
var benchReceivers = []struct {
	name   string
	handle func(body []byte) error
}{
	{"discard", func([]byte) error { return nil }},
	{"decode", func(body []byte) error {
		var recs []map[string]any
		return json.Unmarshal(body, &recs)
	}},
}

// BenchmarkWebhookSinkVsNetHTTP sends benchEntities entities in batches of
// 100 through the webhook sink (upsert: payload, state, signing, the
// delivery log and the pipe's progress, all persisted) to a local
// receiver, and, side by side in the same iteration, the same batches
// with a plain net/http client that builds the same records with
// encoding/json ("ratio"), and the sink's very request bodies, prebuilt
// ("ratio_prebuilt": transport alone), one request at a time.
func BenchmarkWebhookSinkVsNetHTTP(b *testing.B) {
	batches := benchBatches()
	for _, rcv := range benchReceivers {
		b.Run("receiver="+rcv.name, func(b *testing.B) {
			var mu sync.Mutex
			var bodies [][]byte
			capture := false
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				if err := rcv.handle(body); err != nil {
					http.Error(w, err.Error(), http.StatusBadRequest)
					return
				}
				if capture {
					mu.Lock()
					bodies = append(bodies, body)
					mu.Unlock()
				}
				w.WriteHeader(http.StatusNoContent)
			}))
			defer srv.Close()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
			// One store for every iteration (each with a pipe of its own),
			// so that opening stores does not weigh on the timings.
			st := testkit.OpenStore(b)
			var sinkNS, plainNS, rawNS int64
			for i := 0; i < b.N; i++ {
				sink := benchSink(b, st, srv.URL, fmt.Sprintf("out%d", i))
				capture = i == 0
				start := time.Now()
				sendThroughSink(b, sink, st, batches)
				sinkNS += time.Since(start).Nanoseconds()
				capture = false
				start = time.Now()
				plainSend(b, client, srv.URL, batches)
				plainNS += time.Since(start).Nanoseconds()
				start = time.Now()
				for _, body := range bodies {
					post(b, client, srv.URL, body)
				}
				rawNS += time.Since(start).Nanoseconds()
			}
			if len(bodies) != benchEntities/benchBatch {
				b.Fatalf("%d requests, want %d", len(bodies), benchEntities/benchBatch)
			}
			requests := float64(len(bodies) * b.N)
			b.ReportMetric(requests/(float64(sinkNS)/1e9), "sink_req/s")
			b.ReportMetric(requests/(float64(plainNS)/1e9), "plain_req/s")
			b.ReportMetric(float64(plainNS)/float64(sinkNS), "ratio")
			b.ReportMetric(float64(rawNS)/float64(sinkNS), "ratio_prebuilt")
		})
	}
}

// plainSend is the baseline a team would write with net/http and
// encoding/json: for each batch, shape the same records (the entity's
// properties without the reserved ones, its meta, _message_id and
// _sync_mode), marshal them and POST them, waiting for each answer.
func plainSend(b *testing.B, client *http.Client, url string, batches [][]entity.Entity) {
	type meta struct {
		RowNum int    `json:"row_num"`
		SyncOp string `json:"sync_op"`
	}
	type record struct {
		MessageID int            `json:"_message_id"`
		SyncMode  string         `json:"_sync_mode"`
		Payload   map[string]any `json:"payload"`
	}
	n := 0
	for _, batch := range batches {
		recs := make([]record, len(batch))
		for i, e := range batch {
			var m map[string]any
			if err := json.Unmarshal(e, &m); err != nil {
				b.Fatal(err)
			}
			for k := range m {
				if k != "_id" && strings.HasPrefix(k, "_") {
					delete(m, k)
				}
			}
			n++
			m["_meta"] = meta{RowNum: n, SyncOp: "upsert"}
			recs[i] = record{MessageID: n, SyncMode: "upsert", Payload: m}
		}
		body, err := json.Marshal(recs)
		if err != nil {
			b.Fatal(err)
		}
		post(b, client, url, body)
	}
}

// post sends one body and waits for its answer.
func post(b *testing.B, client *http.Client, url string, body []byte) {
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		b.Fatalf("plain: %d", resp.StatusCode)
	}
}

// sendThroughSink writes the batches as the engine does: each with the
// pipe's progress to commit, then the end of the run.
func sendThroughSink(b *testing.B, sink *webhooksink.Sink, st *store.Store, batches [][]entity.Entity) {
	ctx := context.Background()
	if err := sink.RunStarted(ctx); err != nil {
		b.Fatal(err)
	}
	written := 0
	for j, batch := range batches {
		next := store.PipeState{LastSeen: fmt.Sprint((j+1)*benchBatch - 1)}
		stats, err := sink.WriteWith(ctx, batch, component.Progress{Commit: func(tx *store.Tx) error { return tx.PutPipeState("bench", next) }})
		if err != nil {
			b.Fatalf("write: %v", err)
		}
		written += stats.Written
	}
	stats, err := sink.Flush(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if written += stats.Written; written != benchEntities {
		b.Fatalf("%d written, want %d", written, benchEntities)
	}
	if err := st.Sync(); err != nil {
		b.Fatal(err)
	}
}

func benchBatches() [][]entity.Entity {
	var out [][]entity.Entity
	for i := 0; i < benchEntities; i += benchBatch {
		batch := make([]entity.Entity, benchBatch)
		for j := range batch {
			n := i + j
			batch[j] = entity.Entity(fmt.Sprintf(`{"_id":"c%d","first_name":"Customer","last_name":"Number %d","email":"c%d@example.org","active":%d,"tags":["a","b"],"amount":%d.5,"_updated":%d,"_ts":1764000000000000}`, n, n, n, n%2, n, n))
		}
		out = append(out, batch)
	}
	return out
}

// benchSink builds a webhook sink to url for a pipe of its own in st.
func benchSink(b *testing.B, st *store.Store, url, pipe string) *webhooksink.Sink {
	dir := b.TempDir()
	cfg := strings.Replace(sinkPipe(url, `"batch_size": 100`), `"_id": "out"`, `"_id": "`+pipe+`"`, 1)
	if err := os.WriteFile(filepath.Join(dir, "p.json"), []byte(cfg), 0o644); err != nil {
		b.Fatal(err)
	}
	reg := builtin.Registry()
	c, err := pipes.Load(dir, pipes.Options{Types: reg})
	if err != nil {
		b.Fatal(err)
	}
	eng, err := engine.New(context.Background(), c, st, reg, nil)
	if err != nil {
		b.Fatal(err)
	}
	p, err := eng.Pipe(pipe)
	if err != nil {
		b.Fatal(err)
	}
	sink, ok := p.Sink.(*webhooksink.Sink)
	if !ok {
		b.Fatalf("pipe %s has sink %T", pipe, p.Sink)
	}
	return sink
}
