// Command fakeapi is a small in-memory contacts API ("fakecrm") for the
// examples/connector walkthrough. Run it with
//
//	go run ./examples/connector/fakeapi [-addr 127.0.0.1:8091] [-key fakecrm-key]
//
// It starts with two contacts. Every /contacts request needs the header
// "Authorization: Bearer KEY". Endpoints (JSON):
//
//	GET    /contacts          {"results": [{"id", "name", "email"}, ...]} by id
//	POST   /contacts          {"name", "email"} → 201 the new contact
//	GET    /contacts/{id}     the contact, or 404 {"error": "not found"}
//	PATCH  /contacts/{id}     the members given replace the contact's → 200 the contact, or 404
//	DELETE /contacts/{id}     204, or 404
//	GET    /_requests         the /contacts requests since the last call, one "METHOD PATH STATUS" line each
//	GET    /_contacts         what GET /contacts answers, without the key and without being recorded
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
	addr := flag.String("addr", "127.0.0.1:8091", "address to listen on")
	key := flag.String("key", "fakecrm-key", "the API key clients send as \"Authorization: Bearer KEY\"")
	flag.Parse()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: newAPI(*key, os.Stderr).handler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("fakecrm API on http://%s\n", ln.Addr())

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
