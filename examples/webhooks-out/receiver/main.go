// Command receiver is a small webhook endpoint for the examples/webhooks-out
// walkthrough: it verifies every request's Standard Webhooks signature with
// the independent library github.com/standard-webhooks/standard-webhooks
// (not sluice's own code), de-duplicates on webhook-id, prints one line per
// request and keeps what it accepted. Run it with
//
//	go run ./examples/webhooks-out/receiver -addr 127.0.0.1:8090 -secret whsec_...
//	go run ./examples/webhooks-out/receiver -gen-secret     # print a fresh secret and exit
//
// The secret may also come from $HOOK_SECRET; several -secret flags, or
// comma-separated secrets, are all accepted (key rotation).
//
// Every path except the three below is a webhook endpoint, for any method;
// for GET the signed body is empty. Answers: 200 (accepted, or a duplicate
// webhook-id), 401 (bad or missing signature), or what /_fail asks for.
//
//	GET  /_received   everything accepted, in order: [{webhook_id, method, url, query, body, headers, received_at}]
//	POST /_reset      forgets what was received, the webhook-ids seen and every failure rule
//	POST /_fail       failure injection, JSON:
//	                    {"status": 500, "count": 3}       the next 3 requests answer 500 ("retry_after": N adds Retry-After)
//	                    {"gone": true}                    410 from now on ({"gone": false} ends it)
//	                    {"delay_ms": 2000, "count": 1}    sleep before answering (then answer normally, or "status")
//	                    {"reset": true, "count": 1}       close the connection without answering
//	                    {"random_500": 0.3}               answer 500 to that share of requests, at random
//	                    {"clear": true}                   drop every failure rule
//	                  "count": -1 means every request until cleared; rules queue in the order given.
//	GET  /_fail       the failure rules in force
//
// The -fail-* flags set up the same rules at start.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "receiver:", err)
		os.Exit(1)
	}
}

// run parses the flags, listens, logs "listening on http://ADDR" to stderr
// and serves until ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("receiver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8090", "address to listen on (port 0 picks a free one)")
	var secrets []string
	fs.Func("secret", "a whsec_... secret to verify with; repeat it or separate with commas for key rotation (default $HOOK_SECRET)", func(s string) error {
		secrets = append(secrets, splitSecrets(s)...)
		return nil
	})
	rawJSON := fs.Bool("json", false, "print each request's raw body instead of a summary")
	gen := fs.Bool("gen-secret", false, "print a fresh whsec_ secret and exit")
	var f failRequest
	status := fs.Int("fail-status", 0, "the next -fail-count requests answer this status")
	count := fs.Int("fail-count", 1, "how many requests -fail-status, -fail-delay or -fail-reset affect (-1: all)")
	retryAfter := fs.Int("fail-retry-after", 0, "send Retry-After: N (seconds) with -fail-status")
	delay := fs.Duration("fail-delay", 0, "sleep this long before answering the next -fail-count requests (e.g. 2s)")
	reset := fs.Bool("fail-reset", false, "close the connection of the next -fail-count requests without answering")
	gone := fs.Bool("fail-gone", false, "answer 410 Gone to every request")
	rate := fs.Float64("fail-rate", 0, "answer 500 to this share of requests, at random (0 to 1)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *gen {
		fmt.Fprintln(stdout, generateSecret())
		return nil
	}
	if len(secrets) == 0 {
		secrets = splitSecrets(os.Getenv("HOOK_SECRET"))
	}
	rc, err := newReceiver(secrets, stdout)
	if err != nil {
		return err
	}
	rc.rawJSON = *rawJSON

	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if set["fail-count"] {
		f.Count = count
	}
	f.Status, f.RetryAfter, f.DelayMS, f.Reset = *status, *retryAfter, delay.Milliseconds(), *reset
	if set["fail-gone"] {
		f.Gone = gone
	}
	if set["fail-rate"] {
		f.Random500 = rate
	}
	if err := rc.applyFail(f); err != nil {
		return fmt.Errorf("-fail-* flags: %w", err)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: rc, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stderr, "verifying with %d secret(s); failure rules: %s\n", len(rc.hooks), rc.failState())
	fmt.Fprintf(stderr, "listening on http://%s\n", ln.Addr())

	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Fprintln(stderr, "stopped")
	return nil
}

// splitSecrets splits a comma-separated list, dropping blanks.
func splitSecrets(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// generateSecret returns "whsec_" and 32 random bytes in base64, the shape
// the Standard Webhooks libraries read.
func generateSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}
