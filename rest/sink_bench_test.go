package rest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/jinja"
)

const benchRequests = 5000

// benchServer answers every request with a small JSON body, as an API
// acknowledging a write would.
func benchServer() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte(`{"ok":true}`))
	}))
}

func benchEntities() []entity.Entity {
	es := make([]entity.Entity, benchRequests)
	for i := range es {
		es[i] = entity.Entity(fmt.Sprintf(`{"_id":"e%d","payload":{"id":%d,"name":"customer %d","email":"c%d@example.org","tags":["a","b"],"amount":%d.5}}`, i, i, i, i, i))
	}
	return es
}

func benchSink(b *testing.B, url string, workers int) *restSink {
	sys, err := NewSystem(&SystemConfig{URLPattern: url + "/%s", ConnectTimeout: 5, ReadTimeout: 5, RateLimitingDelay: 1, MaxConnections: 16,
		Operations: map[string]*OperationConfig{"put": mustOp(b, "items/{{ entity._id }}", "POST")}})
	if err != nil {
		b.Fatal(err)
	}
	cfg := &SinkConfig{EndpointConfig: EndpointConfig{System: "s", Operation: "put"}, Workers: workers}
	e, err := newEndpoint(&cfg.EndpointConfig, &cfg.Overrides, component.Env{System: func(string) (any, bool) { return sys, true }}, "sink")
	if err != nil {
		b.Fatal(err)
	}
	return &restSink{e: e, cfg: cfg}
}

func mustOp(tb testing.TB, url, method string) *OperationConfig {
	t, err := jinja.Parse(url)
	if err != nil {
		tb.Fatal(err)
	}
	return &OperationConfig{URL: *t, Method: method, PayloadType: PayloadJSON}
}

// plainPost is the baseline: net/http posting the same bodies to the same
// URLs, with keep-alive, from the given number of goroutines.
func plainPost(b *testing.B, client *http.Client, url string, bodies [][]byte, workers int) {
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/items/e%d", url, i), bytes.NewReader(bodies[i]))
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	for i := range bodies {
		next <- i
	}
	close(next)
	wg.Wait()
}

// BenchmarkRestSinkVsNetHTTP sends benchRequests entities one per request
// through the rest sink and, side by side in the same run, the same
// requests through a plain net/http client; with 1 and 4 workers.
func BenchmarkRestSinkVsNetHTTP(b *testing.B) {
	srv := benchServer()
	defer srv.Close()
	es := benchEntities()
	bodies := make([][]byte, len(es))
	for i := range es {
		bodies[i] = []byte(fmt.Sprintf(`{"id":%d,"name":"customer %d","email":"c%d@example.org","tags":["a","b"],"amount":%d.5}`, i, i, i, i))
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	for _, workers := range []int{1, 4} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			sink := benchSink(b, srv.URL, workers)
			var sinkNS, plainNS int64
			for i := 0; i < b.N; i++ {
				start := time.Now()
				if workers == 1 {
					for _, e := range es {
						if _, err := sink.Write(context.Background(), []entity.Entity{e}); err != nil {
							b.Fatal(err)
						}
					}
				} else {
					for j := 0; j < len(es); j += 100 {
						if _, err := sink.Write(context.Background(), es[j:min(j+100, len(es))]); err != nil {
							b.Fatal(err)
						}
					}
				}
				sinkNS += time.Since(start).Nanoseconds()
				start = time.Now()
				plainPost(b, client, srv.URL, bodies, workers)
				plainNS += time.Since(start).Nanoseconds()
			}
			sinkRate := float64(len(es)*b.N) / (float64(sinkNS) / 1e9)
			plainRate := float64(len(es)*b.N) / (float64(plainNS) / 1e9)
			b.ReportMetric(sinkRate, "sink-req/s")
			b.ReportMetric(plainRate, "nethttp-req/s")
			b.ReportMetric(sinkRate/plainRate, "ratio")
		})
	}
}
