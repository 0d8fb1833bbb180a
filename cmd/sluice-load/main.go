// Command sluice-load measures how `sluice run` holds up under load and
// under hostile clients: many concurrent receiver clients, then a flood of
// stalled bodies and half-open connections. It reports throughput, the
// latency of /api/health meanwhile, and the service's peak memory (RSS).
//
//	go run ./cmd/sluice-load [--bin PATH] [--clients 128] [--duration 20s] [--stalled 100] [--half-open 2000]
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sluice-load:", err)
		os.Exit(1)
	}
}
