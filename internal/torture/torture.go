package torture

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// scenario is one kind of trial.
type scenario struct {
	name   string
	weight int // share of the trials and of the duration
	run    func(e *env, fig *Figures, trials int, deadline time.Time) error
}

// scenarios in the order they run.
var scenarios = []scenario{
	{name: "receivers", weight: 4, run: runReceivers},
	{name: "pump", weight: 3, run: runPump},
	{name: "webhook", weight: 3, run: runWebhook},
}

func scenarioNames() []string {
	var out []string
	for _, s := range scenarios {
		out = append(out, s.name)
	}
	return out
}

// env is what the scenarios share.
type env struct {
	ctx          context.Context
	seed         uint64
	bin          string
	tmp          string
	keep         bool
	procs        *procs
	out          *printer
	http         *http.Client
	pumpEntities int
}

// Run runs the selected scenarios and returns their figures. The error is
// for a run that could not be set up or carried on (a build that fails, a
// full disk); violations are in the report. Cancelling ctx kills every
// child and returns what was done so far, marked interrupted.
func Run(ctx context.Context, o Options) (Report, error) {
	rep := Report{Seed: o.Seed}
	if err := o.validate(); err != nil {
		return rep, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := &printer{w: o.Out}
	tmp, err := os.MkdirTemp(o.TempDir, "sluice-torture-")
	if err != nil {
		return rep, err
	}
	e := &env{
		ctx: ctx, seed: o.Seed, tmp: tmp, keep: o.Keep, procs: newProcs(), out: out,
		http:         &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 64}},
		pumpEntities: o.PumpEntities,
	}
	stopped := make(chan struct{})
	go func() { // Ctrl-C kills the children at once, not at the next check
		select {
		case <-ctx.Done():
			e.procs.killAll()
		case <-stopped:
		}
	}()
	defer func() {
		close(stopped)
		e.procs.killAll()
		if o.Keep {
			out.printf("kept the temporary folders in %s", tmp)
		} else if err := os.RemoveAll(tmp); err != nil {
			out.printf("could not remove %s: %v", tmp, err)
		}
	}()

	out.printf("sluice-torture: seed %d, %d trials, at most %v", o.Seed, o.Trials, o.Duration)
	e.bin, err = sluiceBinary(ctx, o.Bin, tmp)
	if err != nil {
		return rep, err
	}
	var selected []scenario
	for _, s := range scenarios {
		if slices.Contains(o.Scenarios, s.name) {
			selected = append(selected, s)
		}
	}
	trials, budgets := split(o.Trials, o.Duration, selected)
	var carry time.Duration
	for i, s := range selected {
		if ctx.Err() != nil {
			break
		}
		fig := Figures{Scenario: s.name}
		start := time.Now()
		deadline := start.Add(budgets[i] + carry)
		out.printf("== %s: %d trials, until %s", s.name, trials[i], deadline.Format("15:04:05"))
		err := s.run(e, &fig, trials[i], deadline)
		fig.Wall = time.Since(start)
		if fig.Note == "" && fig.Trials < trials[i] && ctx.Err() == nil {
			fig.Note = fmt.Sprintf("%d of %d trials: --duration reached", fig.Trials, trials[i])
		}
		rep.Figures = append(rep.Figures, fig)
		if err != nil && ctx.Err() == nil {
			return rep, fmt.Errorf("%s: %w", s.name, err)
		}
		carry = max(0, time.Until(deadline))
	}
	rep.Interrupted = ctx.Err() != nil
	return rep, nil
}

// rng is the random source of one part of a scenario: the seed, the
// scenario's name and the part's numbers pick the stream, so a part's
// choices do not depend on how many the parts before it made.
func (e *env) rng(scenario string, parts ...uint64) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(scenario))
	for _, p := range parts {
		var b [8]byte
		for i := range b {
			b[i] = byte(p >> (8 * i))
		}
		h.Write(b[:])
	}
	return rand.New(rand.NewPCG(e.seed, h.Sum64()))
}

// dir makes a fresh folder under the run's temporary folder.
func (e *env) dir(format string, args ...any) (string, error) {
	d := filepath.Join(e.tmp, fmt.Sprintf(format, args...))
	if err := os.RemoveAll(d); err != nil {
		return "", err
	}
	return d, os.MkdirAll(d, 0o755)
}

// remove deletes a folder a scenario is done with, unless --keep.
func (e *env) remove(dir string) {
	if !e.keep {
		_ = os.RemoveAll(dir)
	}
}

// sleep waits d, or less when the run is cancelled.
func (e *env) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-e.ctx.Done():
		return false
	}
}

// command runs one sluice command to its end and returns what it printed.
func (e *env) command(timeout time.Duration, args ...string) (stdout, stderr string, code int, err error) {
	p, err := e.procs.start(e.bin, e.tmp, args...)
	if err != nil {
		return "", "", -1, err
	}
	code, err = p.wait(e.ctx, timeout)
	return p.stdout.String(), p.stderr.String(), code, err
}

// mustCommand runs a sluice command that has to succeed.
func (e *env) mustCommand(timeout time.Duration, args ...string) (string, error) {
	stdout, stderr, code, err := e.command(timeout, args...)
	if err == nil && code != 0 {
		err = fmt.Errorf("exit %d", code)
	}
	if err != nil {
		return stdout, fmt.Errorf("sluice %v: %w\n%s", args, err, stderr)
	}
	return stdout, nil
}

// errCancelled ends a scenario when the run is cancelled.
var errCancelled = errors.New("cancelled")
