package torture

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"
)

const (
	pumpCopiesPerFolder = 2
	pumpRunTimeout      = 10 * time.Minute
)

// runPump is scenario 2: `sluice pump` copying a large dataset through a
// DTL transform into another, killed at random points and rerun until it
// completes. Each data folder starts as a copy of one imported source and
// holds a few copy pipes, each into its own sink; each copy absorbs
// several kills.
func runPump(e *env, fig *Figures, trials int, deadline time.Time) error {
	rng := e.rng("pump")
	n := e.pumpEntities
	tdir, err := e.dir("pump-template")
	if err != nil {
		return err
	}
	defer e.remove(tdir)
	template := filepath.Join(tdir, "data")
	start := time.Now()
	if err := importSource(e, tdir, template, n); err != nil {
		return err
	}
	took := time.Since(start)
	e.out.printf("pump: imported %d source entities in %v", n, took.Round(time.Millisecond))
	// A copy takes about as long as the import; the runs refine that.
	pr := &pumpRun{e: e, fig: fig, rng: rng, n: n, rate: float64(n) / (1.2 * took.Seconds()), startup: 300 * time.Millisecond}
	for folder := 0; fig.Trials < trials; folder++ {
		if time.Now().After(deadline) || e.ctx.Err() != nil {
			return nil
		}
		dir, err := e.dir("pump-%d", folder)
		if err != nil {
			return err
		}
		pr.cfg, pr.data = filepath.Join(dir, "config"), filepath.Join(dir, "data")
		if err := copyDir(template, pr.data); err != nil {
			return err
		}
		var pipes []obj
		for k := 1; k <= pumpCopiesPerFolder; k++ {
			pipes = append(pipes, obj{
				"_id": copyPipe(k), "type": "pipe", "batch_size": []int{250, 1000, 2000}[rng.IntN(3)],
				"source":    obj{"type": "dataset", "dataset": "src"},
				"transform": obj{"type": "dtl", "rules": copyRules(k)},
				"sink":      obj{"type": "dataset", "dataset": copySink(k)},
			})
		}
		if err := writeJSON(filepath.Join(pr.cfg, "pipes.json"), pipes); err != nil {
			return err
		}
		for k := 1; k <= pumpCopiesPerFolder && fig.Trials < trials; k++ {
			if time.Now().After(deadline) || e.ctx.Err() != nil {
				break
			}
			if err := pr.copy(k, min(3+rng.IntN(4), trials-fig.Trials), deadline); err != nil {
				e.remove(dir)
				return err
			}
		}
		e.remove(dir)
	}
	return nil
}

// importSource writes the source entities with `sluice dataset import`.
func importSource(e *env, dir, data string, n int) error {
	file := filepath.Join(dir, "src.ndjson")
	if err := writeSource(file, n); err != nil {
		return err
	}
	defer os.Remove(file)
	out, err := e.mustCommand(pumpRunTimeout, "dataset", "import", "src", file, "--data", data)
	if err != nil {
		return err
	}
	var s struct{ Written int }
	if json.Unmarshal([]byte(out), &s) != nil || s.Written != n {
		return fmt.Errorf("import of %d source entities printed %q", n, out)
	}
	return nil
}

// pumpRun is the state of scenario 2 across its copies.
type pumpRun struct {
	e         *env
	fig       *Figures
	rng       *rand.Rand
	n         int
	cfg, data string
	// rate (entities copied per second) and startup (a run's time besides
	// copying) are learnt from the completed runs, to kill runs before
	// they end.
	rate    float64
	startup time.Duration
}

// copy brings copy pipe k to completion through kills trials, each a run
// killed at a random point of what is left. After two kills in three the
// folder is checked: `sluice dataset list` recovers it (the binary's own
// crash recovery) and must agree with a scan of the sink against the
// pipe's offset; after the third, the next run recovers it itself.
func (pr *pumpRun) copy(k, kills int, deadline time.Time) error {
	e, fig := pr.e, pr.fig
	last := -1         // the offset the last check found committed
	var fullRun uint64 // and the full run it found under way
	var log *trialLog
	for range kills {
		if time.Now().After(deadline) || e.ctx.Err() != nil {
			break
		}
		log = e.trial(fig, fig.Trials+1)
		delay := time.Duration((0.02 + 0.8*pr.rng.Float64()) * float64(pr.estimate(last)))
		check := pr.rng.IntN(3) > 0
		p, err := e.procs.start(e.bin, e.tmp, "pump", copyPipe(k), "--config", pr.cfg, "--data", pr.data)
		if err != nil {
			return err
		}
		fig.Requests++
		if !e.sleep(delay) {
			return nil
		}
		if p.exited() { // done before the kill: check it as the last run
			fig.Trials++
			e.out.printf("pump trial %d: %s completed before its kill at %v", log.trial, copyPipe(k), delay.Round(time.Millisecond))
			return pr.finished(k, p, last, fullRun, log)
		}
		p.kill()
		fig.Kills++
		fig.Trials++
		if !check {
			e.out.printf("pump trial %d: %s killed after %v; the next run recovers the folder", log.trial, copyPipe(k), delay.Round(time.Millisecond))
			last, fullRun = -2, 0 // unknown until checked
			continue
		}
		checkStart := time.Now()
		c, err := pr.checkKilled(k, log)
		if err != nil {
			return err
		}
		if c.last < last {
			log.violation("pipe %s's offset went back from %d to %d", copyPipe(k), last, c.last)
		}
		fig.Entities += int64(c.scanned)
		e.out.printf("pump trial %d: %s killed after %v at offset %d of %d; %d versions checked in %v%s",
			log.trial, copyPipe(k), delay.Round(time.Millisecond), c.last, pr.n-1, c.scanned, time.Since(checkStart).Round(time.Millisecond), verdict(log))
		last, fullRun = c.last, c.fullRun
		if last == pr.n-1 && fullRun == 0 {
			break // the kill came after the run had committed its end
		}
	}
	if log == nil {
		return nil
	}
	p, err := e.procs.start(e.bin, e.tmp, "pump", copyPipe(k), "--config", pr.cfg, "--data", pr.data)
	if err != nil {
		return err
	}
	fig.Requests++
	return pr.finished(k, p, last, fullRun, log)
}

// recovery is what opening a killed folder costs a run beyond its
// startup: Badger replays its memtable log.
const recovery = 1500 * time.Millisecond

// estimate is how long a run will take to finish the copy from offset
// last (-2: killed and not checked, so unknown and recovering).
func (pr *pumpRun) estimate(last int) time.Duration {
	left, d := pr.n-1-last, pr.startup
	if last == -2 {
		left, d = pr.n/3, d+recovery
	}
	return d + time.Duration(float64(left)/pr.rate*float64(time.Second))
}

// learn takes the rate and the startup from a completed run's summary.
func (pr *pumpRun) learn(s summary, wall time.Duration) {
	if s.DurationMS < 500 || s.Read < 10_000 {
		return
	}
	d := time.Duration(s.DurationMS) * time.Millisecond
	pr.rate = (pr.rate + float64(s.Read)/d.Seconds()) / 2
	pr.startup = (pr.startup + max(0, wall-d)) / 2
}

// checkKilled lets `sluice dataset list` recover a killed folder, then
// checks the copy in it and that both agree on the sink's counts.
func (pr *pumpRun) checkKilled(k int, log *trialLog) (committed, error) {
	list := func() (string, string, bool) {
		out, stderr, code, err := pr.e.command(pumpRunTimeout, "dataset", "list", "--json", "--data", pr.data)
		return out, fmt.Sprintf("exit %d %v\n%s", code, err, strings.TrimSpace(stderr)), err == nil && code == 0
	}
	out, why, ok := list()
	if !ok && pr.e.ctx.Err() == nil {
		log.violation("after kill -9, `sluice dataset list` on the folder failed: %s%s", why, openHint(why))
		out, why, ok = list() // once more, to go on with the check
		if !ok {
			log.violation("`sluice dataset list` fails a second time too: %s", why)
		}
	}
	if !ok {
		return committed{last: -2}, nil
	}
	listed := map[string]datasetInfo{}
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var i struct {
			Name string `json:"_id"`
			datasetInfo
		}
		if err := dec.Decode(&i); err != nil {
			log.violation("`sluice dataset list --json` printed something else than JSON: %v\n%s", err, out)
			break
		}
		listed[i.Name] = i.datasetInfo
	}
	c, err := checkCopy(pr.data, k, pr.n, false, log.violation)
	if err != nil {
		log.violation("after kill -9 and a recovery, the data folder does not open: %v", err)
		return committed{last: -2}, nil
	}
	if got := listed[copySink(k)].Versions; got != uint64(c.last+1) {
		log.violation("`sluice dataset list` says %s has %d versions, the store %d", copySink(k), got, c.last+1)
	}
	return c, nil
}

// finished checks a run that is to complete the copy: its summary counts
// exactly what was left after the offset last, it is a full run unless the
// last kill came after the full run had ended, the sink holds the whole
// source transformed, and one more run has nothing to do.
func (pr *pumpRun) finished(k int, p *proc, last int, fullRun uint64, log *trialLog) error {
	e := pr.e
	code, err := p.wait(e.ctx, pumpRunTimeout)
	if e.ctx.Err() != nil {
		return nil
	}
	if err != nil || code != 0 {
		log.violation("the run that was to complete %s failed: exit %d %v\n%s%s", copyPipe(k), code, err, p.stderr.tail(2000), openHint(p.stderr.String()))
		return nil
	}
	if s, err := parseSummary(p.stdout.String()); err != nil {
		log.violation("%s: %v", copyPipe(k), err)
	} else {
		pr.learn(s, p.ended.Sub(p.started))
		pr.checkSummary(k, s, last, fullRun, log)
	}
	c, err := checkCopy(pr.data, k, pr.n, true, log.violation)
	if err != nil {
		return err
	}
	pr.fig.Entities += int64(c.scanned)
	out, err := e.mustCommand(pumpRunTimeout, "pump", copyPipe(k), "--config", pr.cfg, "--data", pr.data)
	pr.fig.Requests++
	if err != nil {
		log.violation("a run of %s after it completed failed: %v", copyPipe(k), err)
	} else if s, err := parseSummary(out); err != nil || s.Status != "completed" || s.Read != 0 || s.Written != 0 {
		log.violation("a run of %s after it completed should read and write nothing; it printed %s", copyPipe(k), out)
	}
	e.out.printf("pump: %s completed: %d versions checked, one per source entity%s", copyPipe(k), c.scanned, verdict(log))
	return nil
}
