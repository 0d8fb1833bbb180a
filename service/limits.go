package service

import (
	"net"
	"net/http"
	"syscall"
	"time"

	"golang.org/x/net/netutil"
)

// Limits protect the service from slow, stalled and hostile clients. A zero
// field takes its default (DefaultLimits).
type Limits struct {
	// ReadHeaderTimeout cuts a connection whose request head does not
	// arrive in time (half-open connections).
	ReadHeaderTimeout time.Duration
	// ReadTimeout cuts a request whose head and body together take longer
	// (a stalled body).
	ReadTimeout time.Duration
	// WriteTimeout cuts a response the client does not read in time;
	// handlers that stream or wait on purpose move their own deadline.
	WriteTimeout time.Duration
	// IdleTimeout closes keep-alive connections left idle.
	IdleTimeout time.Duration
	// MaxConnections caps the connections served at once; more wait in
	// the kernel's queue until one is freed.
	MaxConnections int
	// MaxHeaderBytes caps a request head.
	MaxHeaderBytes int
}

// DefaultLimits are the limits unless the command line says otherwise.
var DefaultLimits = Limits{
	ReadHeaderTimeout: 10 * time.Second,
	ReadTimeout:       60 * time.Second,
	WriteTimeout:      60 * time.Second,
	IdleTimeout:       60 * time.Second,
	MaxConnections:    4096,
	MaxHeaderBytes:    64 << 10,
}

// withDefaults fills the zero fields from DefaultLimits, and keeps the
// connection cap below what the process may open (each connection is a
// file descriptor, as are the store's files).
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	pick := func(v, def time.Duration) time.Duration {
		if v == 0 {
			return def
		}
		return v
	}
	l.ReadHeaderTimeout = pick(l.ReadHeaderTimeout, d.ReadHeaderTimeout)
	l.ReadTimeout = pick(l.ReadTimeout, d.ReadTimeout)
	l.WriteTimeout = pick(l.WriteTimeout, d.WriteTimeout)
	l.IdleTimeout = pick(l.IdleTimeout, d.IdleTimeout)
	if l.MaxHeaderBytes == 0 {
		l.MaxHeaderBytes = d.MaxHeaderBytes
	}
	if l.MaxConnections == 0 {
		l.MaxConnections = d.MaxConnections
	}
	var rl syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) == nil && rl.Cur > 512 && rl.Cur < 1<<30 {
		l.MaxConnections = min(l.MaxConnections, int(rl.Cur)-256)
	}
	return l
}

// server is the HTTP server of the API with the limits applied.
func (l Limits) server(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
	}
}

// listener caps the connections served at once.
func (l Limits) listener(ln net.Listener) net.Listener {
	return netutil.LimitListener(ln, l.MaxConnections)
}

// waitsOnPurpose lifts the write deadline of a request whose answer comes
// only when the work it started ends (a replay, a test send, a run with
// wait=true): its client waits on purpose, and the answer is small.
func waitsOnPurpose(w http.ResponseWriter) {
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
}
