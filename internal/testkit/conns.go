package testkit

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Conns counts a server's connections that are not closed, so a test can
// tell whether a client left any open.
type Conns struct {
	mu   sync.Mutex
	open map[net.Conn]bool
}

// Track is an http.Server.ConnState hook.
func (c *Conns) Track(conn net.Conn, s http.ConnState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.open == nil {
		c.open = map[net.Conn]bool{}
	}
	switch s {
	case http.StateClosed, http.StateHijacked:
		delete(c.open, conn)
	default:
		c.open[conn] = true
	}
}

// Open is how many connections are open now.
func (c *Conns) Open() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.open)
}

// serve starts h on a loopback port with its connections counted in conns,
// and closes it when the test ends.
func serve(t testing.TB, h http.Handler, conns *Conns) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = conns.Track
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}
