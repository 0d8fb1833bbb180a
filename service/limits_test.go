package service

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/builtin"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
)

// serveWithLimits runs Serve on a loopback port with the given limits.
func serveWithLimits(t *testing.T, limits Limits) string {
	t.Helper()
	st, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	reg := builtin.Registry()
	dir := t.TempDir()
	load := func() (*pipes.Config, error) { return pipes.Load(dir, pipes.Options{Types: reg}) }
	svc, err := New(Options{Load: load, Store: st, Registry: reg, Limits: limits, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	svc.Mount("POST /api/receivers/{pipe}/entities", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // a receiver reading its body
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-done
		svc.Stop()
		st.Close()
	})
	return ln.Addr().String()
}

// closedWithin reports whether the server closes c within d (reading
// whatever it answers first).
func closedWithin(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	return err == nil || !(errors.As(err, &ne) && ne.Timeout())
}

// Stalled clients are cut off: a request head that never ends, a body
// that stops arriving, and a keep-alive connection left idle.
func TestStalledClientsAreCutOff(t *testing.T) {
	addr := serveWithLimits(t, Limits{ReadHeaderTimeout: 300 * time.Millisecond, ReadTimeout: 600 * time.Millisecond, IdleTimeout: 300 * time.Millisecond})
	dial := func() net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	halfOpen := dial()
	halfOpen.Write([]byte("POST /api/receivers/p/entities HTTP/1.1\r\nHost: x\r\n"))
	stalledBody := dial()
	stalledBody.Write([]byte("POST /api/receivers/p/entities HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n[{\"_id\":"))
	idle := dial()
	idle.Write([]byte("GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n"))
	if line, err := bufio.NewReader(idle).ReadString('\n'); err != nil || !strings.Contains(line, "200") {
		t.Fatalf("health: %q %v", line, err)
	}
	for name, c := range map[string]net.Conn{"half-open": halfOpen, "stalled body": stalledBody, "idle keep-alive": idle} {
		if !closedWithin(c, 3*time.Second) {
			t.Errorf("%s connection still open after 3 s", name)
		}
	}
}

// At most MaxConnections are served at once; the next waits until one is
// freed, and is then served.
func TestConnectionCap(t *testing.T) {
	addr := serveWithLimits(t, Limits{MaxConnections: 3, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 5 * time.Second})
	var held []net.Conn
	for i := 0; i < 3; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.Write([]byte("GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n"))
		if line, err := bufio.NewReader(c).ReadString('\n'); err != nil || !strings.Contains(line, "200") {
			t.Fatalf("connection %d: %q %v", i, line, err)
		}
		held = append(held, c) // kept alive: each holds a slot
	}
	extra, err := net.Dial("tcp", addr) // the kernel accepts it; sluice does not serve it yet
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	extra.Write([]byte("GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n"))
	extra.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	r := bufio.NewReader(extra)
	if line, err := r.ReadString('\n'); err == nil {
		t.Fatalf("a fourth connection was served over the cap of 3: %q", line)
	}
	held[0].Close()
	extra.SetReadDeadline(time.Now().Add(3 * time.Second))
	if line, err := r.ReadString('\n'); err != nil || !strings.Contains(line, "200") {
		t.Fatalf("after a slot was freed: %q %v", line, err)
	}
}
