package receiver

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/builtin"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/pipes"
)

const (
	benchClients           = 8
	benchEntitiesPerReq    = 100
	benchPipe              = "in"
	benchReceiverPipesJSON = `[{"_id": "in", "type": "pipe", "source": {"type": "http_endpoint"}}]`
)

// benchNextID hands out entity numbers, so that every entity the
// benchmark sends, across sub-benchmarks, runs and -count, has an _id of
// its own and is a new write.
var benchNextID atomic.Int64

// benchBodies builds n request bodies of benchEntitiesPerReq distinct
// entities each, as a JSON array.
// benchEntityBytes is the size of one benchmark entity: ~0.5 KB, as the
// issue's target asks, most of it in a notes string.
const benchEntityBytes = 512

var benchNotes = strings.Repeat("lorem ipsum dolor sit amet ", 15)

func benchBodies(n int) [][]byte {
	bodies := make([][]byte, n)
	for i := range bodies {
		base := benchNextID.Add(benchEntitiesPerReq) - benchEntitiesPerReq
		client := i % benchClients
		b := make([]byte, 0, benchEntitiesPerReq*benchEntityBytes)
		b = append(b, '[')
		for j := int64(0); j < benchEntitiesPerReq; j++ {
			if j > 0 {
				b = append(b, ',')
			}
			n := base + j
			b = append(b, `{"_id":"c`...)
			b = strconv.AppendInt(b, int64(client), 10)
			b = append(b, '-')
			b = strconv.AppendInt(b, n, 10)
			b = append(b, `","name":"customer `...)
			b = strconv.AppendInt(b, n, 10)
			b = append(b, `","n":`...)
			b = strconv.AppendInt(b, n%1000, 10)
			b = append(b, `,"tags":["a","b"],"notes":"`...)
			b = append(b, benchNotes...)
			b = append(b, `"}`...)
		}
		bodies[i] = append(b, ']')
	}
	return bodies
}

// benchReceiverHandler is the receiver over a fresh Badger store holding
// one pipe with an http_endpoint source, built as newHarness builds it.
func benchReceiverHandler(b *testing.B) http.HandlerFunc {
	b.Helper()
	dir := testkit.ConfigDir(b, map[string]string{"pipes.json": benchReceiverPipesJSON})
	reg := builtin.Registry()
	cfg, err := pipes.Load(dir, pipes.Options{Types: reg, Env: func(string) (string, bool) { return "", false }, Secrets: lookupSecret})
	if err != nil {
		b.Fatalf("load config: %v", err)
	}
	st := testkit.OpenStore(b)
	eng, err := engine.New(context.Background(), cfg, st, reg, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	rc := New(Options{
		Engine: func() *engine.Engine { return eng },
		Logger: slog.New(slog.DiscardHandler),
	})
	return rc.ServeReceive
}

// benchNetHTTPHandler is the baseline the issue names: a bare handler
// that only reads the body and answers 200 {}.
func benchNetHTTPHandler(b *testing.B) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("{}\n"))
	}
}

// benchPost sends one body and reports any answer other than 200.
func benchPost(client *http.Client, url string, body []byte) error {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(res.Body, 1<<10))
		return fmt.Errorf("status %d: %s", res.StatusCode, msg)
	}
	_, err = io.Copy(io.Discard, res.Body)
	return err
}

// percentile is the nearest-rank p-th percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p/100*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// BenchmarkReceiverVsNetHTTP pushes bodies of 100 new entities from 8
// concurrent clients to the receiver (which writes them durably to the
// pipe's dataset) and, side by side in the same run, to a bare net/http
// handler that only decodes the JSON and answers 200 {}. One iteration is
// one request; it reports entities/s and the p50 and p99 request latency.
func BenchmarkReceiverVsNetHTTP(b *testing.B) {
	client := &http.Client{Transport: &http.Transport{
		MaxIdleConns:        4 * benchClients,
		MaxIdleConnsPerHost: 2 * benchClients,
	}}
	defer client.CloseIdleConnections()

	for _, bc := range []struct {
		name    string
		handler func(*testing.B) http.HandlerFunc
	}{
		{"receiver", benchReceiverHandler},
		{"net/http", benchNetHTTPHandler},
	} {
		b.Run(bc.name, func(b *testing.B) {
			mux := http.NewServeMux()
			mux.HandleFunc("POST /api/receivers/{pipe}/entities", bc.handler(b))
			srv := httptest.NewServer(mux)
			defer srv.Close()
			defer client.CloseIdleConnections()
			url := srv.URL + "/api/receivers/" + benchPipe + "/entities"

			// Open the clients' connections with empty bodies (which
			// write nothing), so the timed requests reuse them.
			var wg sync.WaitGroup
			var warmErr atomic.Pointer[error]
			for range benchClients {
				wg.Go(func() {
					if err := benchPost(client, url, []byte("[]")); err != nil {
						warmErr.CompareAndSwap(nil, &err)
					}
				})
			}
			wg.Wait()
			if err := warmErr.Load(); err != nil {
				b.Fatalf("warm-up: %v", *err)
			}

			bodies := benchBodies(b.N)
			lat := make([][]time.Duration, benchClients)
			for c := range lat {
				lat[c] = make([]time.Duration, 0, b.N/benchClients+1)
			}
			var next atomic.Int64
			var failed atomic.Pointer[error]

			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for c := range benchClients {
				wg.Go(func() {
					for failed.Load() == nil {
						i := int(next.Add(1) - 1)
						if i >= len(bodies) {
							return
						}
						t0 := time.Now()
						err := benchPost(client, url, bodies[i])
						lat[c] = append(lat[c], time.Since(t0))
						if err != nil {
							err = fmt.Errorf("request %d: %w", i, err)
							failed.CompareAndSwap(nil, &err)
							return
						}
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if err := failed.Load(); err != nil {
				b.Fatal(*err)
			}

			all := slices.Concat(lat...)
			slices.Sort(all)
			b.ReportMetric(float64(benchEntitiesPerReq*b.N)/elapsed.Seconds(), "entities/s")
			b.ReportMetric(float64(percentile(all, 50))/float64(time.Millisecond), "p50-ms")
			b.ReportMetric(float64(percentile(all, 99))/float64(time.Millisecond), "p99-ms")
		})
	}
}
