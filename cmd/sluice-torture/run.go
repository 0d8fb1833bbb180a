package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/sluice-sync/sluice/internal/torture"
)

// Exit codes.
const (
	exitOK          = 0
	exitViolations  = 1
	exitError       = 2 // bad flags, or a run that could not be set up
	exitInterrupted = 130
)

// run parses the flags, runs the torture until it is done or interrupted
// (SIGINT, SIGTERM), prints the figures and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sluice-torture", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := torture.Options{Out: stdout}
	fs.IntVar(&o.Trials, "trials", torture.DefaultTrials, "trials in all, shared 40/30/30 by the receivers, pump and webhook scenarios")
	fs.DurationVar(&o.Duration, "duration", torture.DefaultDuration, "the longest the run may take; no trial starts after it")
	fs.Uint64Var(&o.Seed, "seed", 0, "seed of every random choice (default: from the clock; printed, to replay a run)")
	fs.StringVar(&o.Bin, "bin", "", "the sluice binary (default: build ./cmd/sluice)")
	fs.BoolVar(&o.Keep, "keep", false, "keep the temporary folders (data folders, configs) and print where they are")
	scen := fs.String("scenarios", "", "comma-separated scenarios to run: receivers, pump, webhook (default all)")
	fs.IntVar(&o.PumpEntities, "pump-entities", torture.DefaultPumpEntities, "entities in the long pump's source dataset")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: sluice-torture [--trials N] [--duration D] [--seed S] [--bin PATH] [--keep] [--scenarios LIST] [--pump-entities N]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitError
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "sluice-torture: unexpected arguments %q\n", fs.Args())
		return exitError
	}
	seedSet := false
	fs.Visit(func(f *flag.Flag) { seedSet = seedSet || f.Name == "seed" })
	if !seedSet {
		o.Seed = uint64(time.Now().UnixNano()) % 1_000_000_000
	}
	if *scen != "" {
		o.Scenarios = strings.Split(*scen, ",")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := torture.Run(ctx, o)
	if len(rep.Figures) > 0 {
		rep.Print(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "sluice-torture: %v\n", err)
	}
	switch {
	case rep.Violations() > 0:
		return exitViolations
	case err != nil:
		return exitError
	case rep.Interrupted:
		return exitInterrupted
	}
	return exitOK
}
