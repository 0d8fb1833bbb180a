package torture

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

const (
	hookPipe            = "out"
	hookTrialsPerFolder = 10
	hookEntities        = 300
	// hookTimeout is the sink's timeout per attempt; the receiver's slow
	// answers come after it.
	hookTimeout      = 500 * time.Millisecond
	hookRunTimeout   = 2 * time.Minute
	hookMaxFailedRun = 10
)

// runWebhook is scenario 3: a pipe with a webhook sink pumped against a
// flaky in-process receiver and killed; after the run that completes,
// what the receiver got is checked against the source.
func runWebhook(e *env, fig *Figures, trials int, deadline time.Time) error {
	for folder := 0; fig.Trials < trials; folder++ {
		if time.Now().After(deadline) || e.ctx.Err() != nil {
			return nil
		}
		if err := webhookFolder(e, fig, folder, min(hookTrialsPerFolder, trials-fig.Trials), deadline); err != nil {
			return err
		}
	}
	return nil
}

func webhookFolder(e *env, fig *Figures, folder, trials int, deadline time.Time) error {
	rng := e.rng("webhook", uint64(folder))
	key := make([]byte, 24)
	for i := range key {
		key[i] = byte(rng.Uint32())
	}
	secret := "whsec_" + base64.StdEncoding.EncodeToString(key)
	recv, err := startHookReceiver(e.rng("webhook", uint64(folder), 1), secret)
	if err != nil {
		return err
	}
	defer recv.close()
	dir, err := e.dir("webhook-%d", folder)
	if err != nil {
		return err
	}
	defer e.remove(dir)
	cfg, data := filepath.Join(dir, "config"), filepath.Join(dir, "data")
	mode := []string{"upsert", "mirror"}[rng.IntN(2)]
	batch := []int{4, 10, 25}[rng.IntN(3)]
	if err := writeJSON(filepath.Join(cfg, "pipes.json"), []obj{{
		"_id": hookPipe, "type": "pipe",
		"source": obj{"type": "dataset", "dataset": "src"},
		"sink": obj{"type": "webhook", "url": recv.url, "sync_mode": mode, "batch_size": batch, "secret": secret,
			"retry": obj{"max_attempts": 12, "initial_delay": 0.01, "max_delay": 0.1, "max_age": 60, "timeout": hookTimeout.Seconds()}},
	}}); err != nil {
		return err
	}
	e.out.printf("webhook: folder %d: sync_mode %s, batch_size %d, %d entities", folder, mode, batch, hookEntities)
	m := newHookModel(hookEntities, mode == "mirror")
	chk := newHookCheck()
	// A run takes about startup + perRecord per version to send; learnt
	// from the completed runs, to kill runs before they end.
	startup, perRecord := 150*time.Millisecond, 3*time.Millisecond
	for range trials {
		if time.Now().After(deadline) || e.ctx.Err() != nil {
			return nil
		}
		log := e.trial(fig, fig.Trials+1)
		recv.setTrial(log.trial)
		before, _ := recv.requests()
		changes, changed := m.change(rng, log.trial)
		file := filepath.Join(dir, "changes.ndjson")
		if err := os.WriteFile(file, changes, 0o644); err != nil {
			return err
		}
		if _, err := e.mustCommand(hookRunTimeout, "dataset", "import", "src", file, "--data", data); err != nil {
			return err
		}
		kills := 1 + rng.IntN(3)
		est := startup + time.Duration(changed)*perRecord
		// One trial in four starts with a full run (which, in mirror mode,
		// ends with a sweep); the runs after a kill resume it.
		full := log.trial > 1 && rng.IntN(4) == 0
		killed, failed := 0, 0
		for run := 0; ; run++ {
			args := []string{"pump", hookPipe, "--config", cfg, "--data", data}
			if full && run == 0 {
				args = append(args, "--full")
			}
			p, err := e.procs.start(e.bin, e.tmp, args...)
			if err != nil {
				return err
			}
			if killed < kills {
				if !e.sleep(time.Duration((0.02 + 0.93*rng.Float64()) * float64(est))) {
					return nil
				}
				if !p.exited() {
					p.kill()
					killed++
					fig.Kills++
					recv.idle()
					continue
				}
			}
			code, err := p.wait(e.ctx, hookRunTimeout)
			if e.ctx.Err() != nil {
				return nil
			}
			if err == nil && code == 0 {
				if killed == 0 && changed > 20 {
					took := p.ended.Sub(p.started)
					perRecord = (perRecord + max(0, took-startup)/time.Duration(changed)) / 2
				}
				break
			}
			// A run may fail when one message ran out of retries; the
			// next one sends it again. A run that fails without running
			// (no summary: the folder did not open) is a violation.
			if s, perr := parseSummary(p.stdout.String()); perr != nil || s.Status != "failed" {
				log.violation("a run after kill -9 failed without running: exit %d %v\n%s%s", code, err, p.stderr.tail(2000), openHint(p.stderr.String()))
			}
			if failed++; failed > hookMaxFailedRun {
				log.violation("%d runs in a row failed: exit %d %v\n%s", failed, code, err, p.stderr.tail(2000))
				break
			}
		}
		recv.idle()
		reqs, problems := recv.requests()
		checked := chk.check(m, reqs, problems, log.trial, log.violation)
		// One more run has nothing to send.
		out, err := e.mustCommand(hookRunTimeout, "pump", hookPipe, "--config", cfg, "--data", data)
		after, _ := recv.requests()
		switch {
		case err != nil:
			log.violation("a run after the completed one failed: %v", err)
		case len(after) != len(reqs):
			log.violation("a run after the completed one sent %d more requests; it should have nothing to send (%s)", len(after)-len(reqs), out)
		}
		recv.idle()
		n := len(reqs) - len(before)
		fig.Trials++
		fig.Requests += int64(n)
		fig.Entities += int64(checked)
		kind := "incremental"
		if full {
			kind = "full"
		}
		e.out.printf("webhook trial %d: %d versions written, %s run, %d kills, %d failed runs, %d requests (%s); %d versions checked%s",
			log.trial, changed, kind, killed, failed, n, fates(reqs[len(before):]), checked, verdict(log))
	}
	return nil
}

// fates summarises what the receiver did to requests.
func fates(reqs []hookRequest) string {
	count := map[string]int{}
	for _, r := range reqs {
		count[r.fate]++
	}
	s := ""
	for _, f := range []string{fateOK, fate500, fate503, fateDropBefore, fateDropAfter, fateSlow} {
		if count[f] > 0 {
			if s != "" {
				s += ", "
			}
			s += fmt.Sprintf("%d %s", count[f], f)
		}
	}
	return s
}
