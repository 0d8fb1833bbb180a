package torture

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	inboxPipe = "inbox"
	// recvTrialsPerFolder: a fresh data folder after this many trials
	// keeps the history each check reads short.
	recvTrialsPerFolder = 8
	recvIDsPerClient    = 1000
)

// runReceivers is scenario 1: `sluice run` with an http_endpoint pipe,
// 8–16 clients pushing batches concurrently, killed at a random moment
// and restarted on the same folder, then checked through the API before
// the clients go on.
func runReceivers(e *env, fig *Figures, trials int, deadline time.Time) error {
	for folder := 0; fig.Trials < trials; folder++ {
		if time.Now().After(deadline) || e.ctx.Err() != nil {
			return nil
		}
		if err := receiversFolder(e, fig, folder, min(recvTrialsPerFolder, trials-fig.Trials), deadline); err != nil {
			return err
		}
	}
	return nil
}

func receiversFolder(e *env, fig *Figures, folder, trials int, deadline time.Time) error {
	rng := e.rng("receivers", uint64(folder))
	dir, err := e.dir("receivers-%d", folder)
	if err != nil {
		return err
	}
	defer e.remove(dir)
	cfg, data := filepath.Join(dir, "config"), filepath.Join(dir, "data")
	if err := writeJSON(filepath.Join(cfg, "pipes.json"), []obj{
		{"_id": inboxPipe, "type": "pipe", "source": obj{"type": "http_endpoint"}, "sink": obj{"type": "dataset", "dataset": inboxPipe}},
	}); err != nil {
		return err
	}
	clients := make([]*recvClient, 8+rng.IntN(9))
	for i := range clients {
		clients[i] = newRecvClient(i, e.rng("receivers", uint64(folder), uint64(i+1)), recvIDsPerClient)
	}
	m := newRecvModel(clients)
	svc, err := e.startService(cfg, data)
	if err != nil {
		return err
	}
	defer func() {
		if svc != nil {
			svc.p.kill()
		}
	}()

	for range trials {
		if time.Now().After(deadline) || e.ctx.Err() != nil {
			return nil
		}
		log := e.trial(fig, fig.Trials+1)
		delay := killDelay(rng)
		var killed atomic.Bool
		var stats recvStats
		var wg sync.WaitGroup
		for _, c := range clients {
			c.resume()
			wg.Add(1)
			go func() {
				defer wg.Done()
				c.run(e, svc.url, &killed, log, &stats)
			}()
		}
		e.sleep(delay)
		killed.Store(true)
		svc.p.kill()
		wg.Wait()
		if e.ctx.Err() != nil {
			return nil
		}
		fig.Kills++
		restart := time.Now()
		svc, err = e.startService(cfg, data)
		if err != nil && e.ctx.Err() == nil {
			log.violation("after kill -9 the service does not start again on its data folder %s: %v%s", data, err, openHint(err.Error()))
			svc, err = e.startService(cfg, data) // once more, to go on with the trials
		}
		if err != nil {
			if e.ctx.Err() == nil {
				log.violation("the service does not start a second time either: %v", err)
			}
			fig.Trials++
			return nil
		}
		up := time.Since(restart)
		checkStart := time.Now()
		checked := m.check(e, svc.url, log)
		checkTime := time.Since(checkStart)
		fig.Trials++
		fig.Requests += stats.requests.Load()
		fig.Entities += int64(checked)
		e.out.printf("receivers trial %d: %d clients killed after %v with %d requests (%d entities) acknowledged; up again in %v; %d versions checked in %v%s",
			log.trial, len(clients), delay, stats.requests.Load(), stats.entities.Load(), up.Round(time.Millisecond), checked, checkTime.Round(time.Millisecond), verdict(log))
	}
	// The last restart also has to stop cleanly.
	log := e.trial(fig, fig.Trials)
	_ = svc.p.cmd.Process.Signal(syscall.SIGTERM)
	if code, err := svc.p.wait(e.ctx, time.Minute); (err != nil || code != 0) && e.ctx.Err() == nil {
		log.violation("sluice run did not stop cleanly on SIGTERM: exit %d %v\n%s", code, err, svc.p.stderr.tail(2000))
	}
	svc = nil
	return nil
}

// killDelay picks when to kill: sometimes at once, mostly within a second,
// sometimes later.
func killDelay(rng *rand.Rand) time.Duration {
	switch r := rng.IntN(100); {
	case r < 15:
		return time.Duration(5+rng.IntN(95)) * time.Millisecond
	case r < 75:
		return time.Duration(100+rng.IntN(700)) * time.Millisecond
	default:
		return time.Duration(800+rng.IntN(1200)) * time.Millisecond
	}
}

// verdict ends a progress line.
func verdict(log *trialLog) string {
	if n := log.violations(); n > 0 {
		return fmt.Sprintf(" — %d VIOLATIONS", n)
	}
	return ""
}
