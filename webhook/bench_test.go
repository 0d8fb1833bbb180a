package webhook_test

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
	"sync"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
	"github.com/sluice-sync/sluice/webhook"
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
// receiver, and, side by side in the same iteration, sends the very same
// request bodies with a plain net/http client, one request at a time.
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
			var sinkNS, plainNS int64
			for i := 0; i < b.N; i++ {
				sink, st := benchSink(b, srv.URL)
				capture = i == 0
				start := time.Now()
				sendThroughSink(b, sink, st, batches)
				sinkNS += time.Since(start).Nanoseconds()
				capture = false
				start = time.Now()
				for _, body := range bodies {
					req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
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
				plainNS += time.Since(start).Nanoseconds()
			}
			if len(bodies) != benchEntities/benchBatch {
				b.Fatalf("%d requests, want %d", len(bodies), benchEntities/benchBatch)
			}
			requests := float64(len(bodies) * b.N)
			b.ReportMetric(requests/(float64(sinkNS)/1e9), "sink_req/s")
			b.ReportMetric(requests/(float64(plainNS)/1e9), "plain_req/s")
			b.ReportMetric(float64(plainNS)/float64(sinkNS), "ratio")
		})
	}
}

// sendThroughSink writes the batches as the engine does: each with the
// pipe's progress to commit, then the end of the run.
func sendThroughSink(b *testing.B, sink *webhook.Sink, st *store.Store, batches [][]entity.Entity) {
	ctx := context.Background()
	if err := sink.RunStarted(ctx); err != nil {
		b.Fatal(err)
	}
	for j, batch := range batches {
		next := store.PipeState{LastSeen: fmt.Sprint((j+1)*benchBatch - 1)}
		stats, err := sink.WriteWith(ctx, batch, component.Progress{Commit: func(tx *store.Tx) error { return tx.PutPipeState("out", next) }})
		if err != nil || stats.Written != len(batch) {
			b.Fatalf("write: %v %+v", err, stats)
		}
	}
	if err := sink.RunCompleted(ctx, true); err != nil {
		b.Fatal(err)
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

// benchSink builds a webhook sink to url over a fresh store.
func benchSink(b *testing.B, url string) (*webhook.Sink, *store.Store) {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "p.json"), []byte(sinkPipe(url, `"batch_size": 100`)), 0o644); err != nil {
		b.Fatal(err)
	}
	reg := engine.DefaultRegistry()
	cfg, err := pipes.Load(dir, pipes.Options{Types: reg})
	if err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(b.TempDir(), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	eng, err := engine.New(context.Background(), cfg, st, reg, nil)
	if err != nil {
		b.Fatal(err)
	}
	sink, err := eng.WebhookSink("out")
	if err != nil {
		b.Fatal(err)
	}
	return sink, st
}
