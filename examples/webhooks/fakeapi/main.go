// Command fakeapi is a small in-memory "acme" webhook API for the
// examples/webhooks walkthrough. Run it with
//
//	go run ./examples/webhooks/fakeapi [-addr 127.0.0.1:8089] [-seed]
//
// Endpoints (JSON):
//
//	GET    /webhooks          {"values": [{"id", "address", "topic"}, ...]} by id
//	POST   /webhooks          {"webhook": {"address", "topic"}} → 201 {"value": {...}}
//	GET    /webhooks/{id}     {"value": {...}} or 404 {"error": "not found"}
//	DELETE /webhooks/{id}     204, or 404
//	POST   /emit?topic=T      posts the body to every webhook with topic T
//	POST   /_fail?path=P&method=M&status=S&count=N   the next N matching requests answer S
//	POST   /_reset            forgets all webhooks and failures
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8089", "address to listen on")
	seed := flag.Bool("seed", false, "start with two webhooks that point at https://other.example/hook")
	flag.Parse()

	a := newAPI(os.Stderr)
	if *seed {
		a.seed()
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: a.handler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("acme fake API on http://%s\n", ln.Addr())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		log.Fatal(err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
	fmt.Fprintln(os.Stderr, "stopped")
}
