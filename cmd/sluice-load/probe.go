package main

import (
	"net/http"
	"slices"
	"sync"
	"time"
)

// probe calls /api/health every 100 ms on a connection of its own, and
// samples the service's RSS, until stop is closed.
type probe struct {
	mu        sync.Mutex
	latencies []time.Duration
	failures  int
	maxRSS    int64
	done      chan struct{}
}

func startProbe(s *service, stop <-chan struct{}) *probe {
	p := &probe{done: make(chan struct{})}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	go func() {
		defer close(p.done)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			start := time.Now()
			res, err := client.Get(s.base + "/api/health")
			d := time.Since(start)
			rss := s.rss()
			p.mu.Lock()
			if err != nil || res.StatusCode != http.StatusOK {
				p.failures++
			} else {
				p.latencies = append(p.latencies, d)
			}
			p.maxRSS = max(p.maxRSS, rss)
			p.mu.Unlock()
			if res != nil {
				res.Body.Close()
			}
		}
	}()
	return p
}

// result summarises the probe.
func (p *probe) result() (n, failures int, p50, p99, worst time.Duration, maxRSS int64) {
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	l := slices.Clone(p.latencies)
	slices.Sort(l)
	if len(l) > 0 {
		p50, p99, worst = l[len(l)/2], l[len(l)*99/100], l[len(l)-1]
	}
	return len(l), p.failures, p50, p99, worst, p.maxRSS
}
