package main

import (
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// floodResult is what the flood did.
type floodResult struct {
	stalled, halfOpen int
	opened            int64
	cutOff            int64 // connections the service closed before the phase ended
	probe             probeResult
	duration          time.Duration
}

const floodBody = 16 << 20 // what each stalled request announces

// runFlood opens, at once: o.stalled requests to the signed receiver
// without signature headers, and o.stalled to the open receiver, each
// announcing 16 MB and sending all but the last kilobyte before stalling;
// and o.halfOpen connections that send half a request head. It probes
// /api/health meanwhile, for o.duration.
func runFlood(s *service, o options) floodResult {
	res := floodResult{stalled: o.stalled, halfOpen: o.halfOpen, duration: o.duration}
	stop := make(chan struct{})
	p := startProbe(s, stop)
	chunk := make([]byte, 1<<20)
	for i := range chunk {
		chunk[i] = 'x'
	}
	var opened, cut atomic.Int64
	var wg sync.WaitGroup
	var connsMu sync.Mutex
	var conns []net.Conn
	keep := func(c net.Conn) {
		connsMu.Lock()
		conns = append(conns, c)
		connsMu.Unlock()
	}
	deadline := time.Now().Add(o.duration)
	watch := func(c net.Conn) { // counts connections the service cuts off
		c.SetReadDeadline(deadline)
		if _, err := io.Copy(io.Discard, c); err == nil || !isTimeout(err) {
			cut.Add(1)
		}
	}
	stalled := func(pipe string) {
		defer wg.Done()
		c, err := net.DialTimeout("tcp", s.addr, 10*time.Second)
		if err != nil {
			return
		}
		opened.Add(1)
		keep(c)
		head := "POST /api/receivers/" + pipe + "/entities HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(floodBody) + "\r\n\r\n"
		c.SetWriteDeadline(deadline)
		if _, err := c.Write([]byte(head + `[{"_id":"flood","pad":"`)); err != nil {
			return
		}
		for sent := 0; sent < floodBody-(1<<20); sent += len(chunk) {
			if _, err := c.Write(chunk); err != nil {
				break // the service refused the body and closed
			}
		}
		watch(c)
	}
	for i := 0; i < o.stalled; i++ {
		wg.Add(2)
		go stalled("signed")
		go stalled("open")
	}
	for i := 0; i < o.halfOpen; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.DialTimeout("tcp", s.addr, 10*time.Second)
			if err != nil {
				return
			}
			opened.Add(1)
			keep(c)
			c.Write([]byte("POST /api/receivers/open/entities HTTP/1.1\r\nHost: x\r\n"))
			watch(c)
		}()
	}
	time.Sleep(time.Until(deadline))
	close(stop)
	res.probe = p.result()
	connsMu.Lock()
	for _, c := range conns {
		c.Close()
	}
	connsMu.Unlock()
	wg.Wait()
	res.opened, res.cutOff = opened.Load(), cut.Load()
	return res
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

func (r floodResult) print(w io.Writer) {
	fmt.Fprintf(w, "\n== flood: %d stalled 16 MB bodies to a signed receiver (unsigned), %d to an open one, %d half-open connections, %s\n",
		r.stalled, r.stalled, r.halfOpen, r.duration)
	fmt.Fprintf(w, "connections opened: %d, cut off by the service within the phase: %d\n", r.opened, r.cutOff)
	fmt.Fprintln(w, r.probe)
}
