package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// loadResult is what the concurrent clients did.
type loadResult struct {
	clients, batch     int
	elapsed            time.Duration
	requests, entities int64
	statuses           map[int]int64
	errors             int64
	p50, p99           time.Duration
	probe              probeResult
}

// runClients has o.clients clients post batches of o.batch entities (about
// 0.5 KB each) to the open receiver for o.duration, each writing its own
// ids again and again with a new version each round.
func runClients(s *service, o options) loadResult {
	res := loadResult{clients: o.clients, batch: o.batch, statuses: map[int]int64{}}
	transport := &http.Transport{MaxIdleConnsPerHost: o.clients, MaxConnsPerHost: o.clients}
	client := &http.Client{Transport: transport, Timeout: 2 * time.Minute}
	stop := make(chan struct{})
	p := startProbe(s, stop)
	var mu sync.Mutex
	var lat []time.Duration
	var requests, entities, errs atomic.Int64
	pad := strings.Repeat("x", 400)
	start := time.Now()
	deadline := start.Add(o.duration)
	var wg sync.WaitGroup
	for c := 0; c < o.clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			var body bytes.Buffer
			for round := 0; time.Now().Before(deadline); round++ {
				body.Reset()
				body.WriteByte('[')
				for i := 0; i < o.batch; i++ {
					if i > 0 {
						body.WriteByte(',')
					}
					fmt.Fprintf(&body, `{"_id":"c%d-%d","round":%d,"client":%d,"pad":"%s"}`, c, i, round, c, pad)
				}
				body.WriteByte(']')
				t0 := time.Now()
				r, err := client.Post(s.base+"/api/receivers/open/entities", "application/json", bytes.NewReader(body.Bytes()))
				d := time.Since(t0)
				if err != nil {
					errs.Add(1)
					continue
				}
				io.Copy(io.Discard, r.Body)
				r.Body.Close()
				requests.Add(1)
				mu.Lock()
				res.statuses[r.StatusCode]++
				lat = append(lat, d)
				mu.Unlock()
				if r.StatusCode == http.StatusOK {
					entities.Add(int64(o.batch))
				}
			}
		}(c)
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	close(stop)
	res.probe = p.result()
	res.requests, res.entities, res.errors = requests.Load(), entities.Load(), errs.Load()
	slices.Sort(lat)
	if len(lat) > 0 {
		res.p50, res.p99 = lat[len(lat)/2], lat[len(lat)*99/100]
	}
	transport.CloseIdleConnections()
	return res
}

func (r loadResult) print(w io.Writer) {
	secs := r.elapsed.Seconds()
	fmt.Fprintf(w, "\n== %d concurrent clients, %d entities a request, %.0f s\n", r.clients, r.batch, secs)
	fmt.Fprintf(w, "requests: %d (%.0f/s), entities written: %d (%.0f/s), statuses %v, transport errors %d\n",
		r.requests, float64(r.requests)/secs, r.entities, float64(r.entities)/secs, r.statuses, r.errors)
	fmt.Fprintf(w, "request latency: p50 %s, p99 %s\n", r.p50.Round(time.Millisecond), r.p99.Round(time.Millisecond))
	fmt.Fprintln(w, r.probe)
}
