package main

import (
	"fmt"
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
	peak      memory
	done      chan struct{}
}

// memory is the service's resident memory, in bytes: all of it, what the
// process allocated itself (anonymous), and pages of files it maps (the
// store's memory-mapped files: page cache the kernel takes back when it
// needs the room).
type memory struct{ rss, anon, file int64 }

func (m memory) max(o memory) memory {
	return memory{max(m.rss, o.rss), max(m.anon, o.anon), max(m.file, o.file)}
}

func (m memory) String() string {
	return fmt.Sprintf("%.0f MB (anonymous %.0f MB, mapped files %.0f MB)", mb(m.rss), mb(m.anon), mb(m.file))
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }

// probeResult summarises a probe.
type probeResult struct {
	answered, failures int
	p50, p99, worst    time.Duration
	peak               memory
}

func (r probeResult) String() string {
	return fmt.Sprintf("/api/health meanwhile: %d answered, %d failed, p50 %s, p99 %s, worst %s\nservice memory, highest sampled: %s",
		r.answered, r.failures, r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond), r.worst.Round(time.Microsecond), r.peak)
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
			m := s.memory()
			p.mu.Lock()
			if err != nil || res.StatusCode != http.StatusOK {
				p.failures++
			} else {
				p.latencies = append(p.latencies, d)
			}
			p.peak = p.peak.max(m)
			p.mu.Unlock()
			if res != nil {
				res.Body.Close()
			}
		}
	}()
	return p
}

// result summarises the probe once it stopped.
func (p *probe) result() probeResult {
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	l := slices.Clone(p.latencies)
	slices.Sort(l)
	r := probeResult{answered: len(l), failures: p.failures, peak: p.peak}
	if len(l) > 0 {
		r.p50, r.p99, r.worst = l[len(l)/2], l[len(l)*99/100], l[len(l)-1]
	}
	return r
}
