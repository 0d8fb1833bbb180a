package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// options are the command line.
type options struct {
	bin      string
	clients  int
	batch    int
	duration time.Duration
	stalled  int
	halfOpen int
	minFree  string
	extra    string
	phases   string
	memCap   int64
}

func run(args []string, out io.Writer) error {
	var o options
	fs := flag.NewFlagSet("sluice-load", flag.ContinueOnError)
	fs.StringVar(&o.bin, "bin", "", "the sluice binary to measure (default: build ./cmd/sluice)")
	fs.IntVar(&o.clients, "clients", 128, "concurrent receiver clients")
	fs.IntVar(&o.batch, "batch", 100, "entities per request")
	fs.DurationVar(&o.duration, "duration", 20*time.Second, "how long each phase lasts")
	fs.IntVar(&o.stalled, "stalled", 100, "stalled 16 MB bodies per receiver (one signed, one open) in the flood")
	fs.IntVar(&o.halfOpen, "half-open", 2000, "connections that send half a request head in the flood")
	fs.StringVar(&o.minFree, "min-free", "", "passed to sluice run as --min-free when set")
	fs.Func("memory-cap", "run the service in a memory cgroup of this many MiB (needs root and the cgroup v1 memory controller)", func(v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		o.memCap = n << 20
		return err
	})
	fs.StringVar(&o.phases, "phases", "load,flood", "the phases to run, in order: load, flood")
	fs.StringVar(&o.extra, "run-args", "", "more arguments for sluice run, separated by spaces (e.g. \"--body-budget 64MiB\")")
	if err := fs.Parse(args); err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "sluice-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if o.bin == "" {
		o.bin = filepath.Join(work, "sluice")
		build := exec.Command("go", "build", "-o", o.bin, "./cmd/sluice")
		if b, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("go build ./cmd/sluice: %w\n%s", err, b)
		}
	}
	svc, err := startService(o, work)
	if err != nil {
		return err
	}
	defer svc.stop()
	if o.memCap > 0 {
		mc, err := newMemoryCap(svc.cmd.Process.Pid, o.memCap)
		if err != nil {
			return fmt.Errorf("memory cap: %w", err)
		}
		defer mc.remove()
		defer func() { fmt.Fprintf(out, "memory cap of %d MiB: %s\n", o.memCap>>20, mc.report()) }()
	}

	fmt.Fprintf(out, "sluice-load: %s, %d clients × %d entities a request, %s a phase\n", o.bin, o.clients, o.batch, o.duration)
	for _, phase := range strings.Split(o.phases, ",") {
		fmt.Fprintf(out, "\nservice RSS before the %s phase: %.0f MB\n", phase, float64(svc.rss())/(1<<20))
		switch phase {
		case "load":
			runClients(svc, o).print(out)
		case "flood":
			runFlood(svc, o).print(out)
		default:
			return fmt.Errorf("unknown phase %q (load, flood)", phase)
		}
	}
	if !svc.alive() {
		return errors.New("the service died")
	}
	fmt.Fprintf(out, "peak RSS of the service over the whole run: %.0f MB\n", float64(svc.peakRSS())/(1<<20))
	return nil
}
