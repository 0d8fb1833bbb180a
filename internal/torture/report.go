package torture

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Figures are what one scenario did.
type Figures struct {
	Scenario string
	Trials   int
	Kills    int
	// Entities counts the entity versions checked (a version checked again
	// after a later kill counts again).
	Entities int64
	// Requests counts the requests checked: acknowledged receiver
	// requests, completed pump runs, webhook requests received.
	Requests   int64
	Violations int
	Wall       time.Duration
	// Note says why a scenario ran fewer trials than asked, if it did.
	Note string
}

// Report is the outcome of a whole run.
type Report struct {
	Seed    uint64
	Figures []Figures
	// Interrupted is set when the run was cancelled (Ctrl-C).
	Interrupted bool
}

// Violations counts the violations of every scenario.
func (r Report) Violations() int {
	n := 0
	for _, f := range r.Figures {
		n += f.Violations
	}
	return n
}

// Print writes the figures as a table.
func (r Report) Print(w io.Writer) {
	fmt.Fprintf(w, "\nsluice-torture figures (seed %d)\n", r.Seed)
	fmt.Fprintf(w, "%-10s %7s %6s %12s %10s %11s %9s\n", "scenario", "trials", "kills", "entities", "requests", "violations", "wall")
	var total Figures
	for _, f := range r.Figures {
		fmt.Fprintf(w, "%-10s %7d %6d %12d %10d %11d %9s", f.Scenario, f.Trials, f.Kills, f.Entities, f.Requests, f.Violations, f.Wall.Round(100*time.Millisecond))
		if f.Note != "" {
			fmt.Fprintf(w, "  (%s)", f.Note)
		}
		fmt.Fprintln(w)
		total.Trials += f.Trials
		total.Kills += f.Kills
		total.Entities += f.Entities
		total.Requests += f.Requests
		total.Violations += f.Violations
		total.Wall += f.Wall
	}
	fmt.Fprintf(w, "%-10s %7d %6d %12d %10d %11d %9s\n", "total", total.Trials, total.Kills, total.Entities, total.Requests, total.Violations, total.Wall.Round(100*time.Millisecond))
	switch {
	case r.Interrupted:
		fmt.Fprintln(w, "interrupted")
	case total.Violations > 0:
		fmt.Fprintf(w, "FAILED: %d violations; replay with --seed %d\n", total.Violations, r.Seed)
	default:
		fmt.Fprintln(w, "no violations")
	}
}

// maxPrinted bounds the violations printed per trial: one defect can break
// thousands of entities, and the first ones tell the story.
const maxPrinted = 25

// printer serialises the lines of concurrent goroutines.
type printer struct {
	mu sync.Mutex
	w  io.Writer
}

func (p *printer) printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format, args...)
	if !strings.HasSuffix(format, "\n") {
		fmt.Fprintln(p.w)
	}
}

// trialLog records the violations of one trial; safe for concurrent use.
type trialLog struct {
	e        *env
	fig      *Figures
	trial    int
	mu       sync.Mutex
	printed  int
	count    int
	silenced bool
}

func (e *env) trial(fig *Figures, n int) *trialLog {
	return &trialLog{e: e, fig: fig, trial: n}
}

// violation records and prints one violation, unless the run is being
// cancelled (what breaks then is the cancellation's doing).
func (l *trialLog) violation(format string, args ...any) {
	if l.e.ctx.Err() != nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.count++
	l.fig.Violations++
	if l.printed < maxPrinted {
		l.printed++
		l.e.out.printf("VIOLATION [%s trial %d, seed %d] %s", l.fig.Scenario, l.trial, l.e.seed, fmt.Sprintf(format, args...))
	} else if !l.silenced {
		l.silenced = true
		l.e.out.printf("VIOLATION [%s trial %d] … more violations in this trial are counted, not printed", l.fig.Scenario, l.trial)
	}
}

// violations is how many this trial recorded.
func (l *trialLog) violations() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.count
}
