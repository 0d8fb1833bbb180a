package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/pipes"
)

// schedule is when one pipe runs by itself.
type schedule struct {
	every time.Duration // schedule_interval
	cron  cron.Schedule // cron_expression (takes precedence)
}

// next is the next time after t the pipe is due; zero for never.
func (s schedule) next(t time.Time) time.Time {
	switch {
	case s.cron != nil:
		return s.cron.Next(t)
	case s.every > 0:
		return t.Add(s.every)
	}
	return time.Time{}
}

// defaultInterval is Sesam's default schedule for a scheduled pipe with no
// schedule of its own.
const defaultInterval = 30 * time.Second

// pipeSchedule works out a pipe's schedule from its pump config.
func pipeSchedule(p *pipes.Pipe) (schedule, error) {
	pump := p.Pump
	if pump.Mode == pipes.ModeManual || pump.Mode == pipes.ModeOff {
		return schedule{}, nil
	}
	if pump.CronExpression != "" {
		spec := pump.CronExpression
		if pump.TimeZone != "" {
			spec = "CRON_TZ=" + pump.TimeZone + " " + spec
		}
		c, err := pipes.CronParser.Parse(spec)
		if err != nil {
			return schedule{}, err
		}
		return schedule{cron: c}, nil
	}
	if pump.ScheduleInterval != nil && *pump.ScheduleInterval > 0 {
		return schedule{every: time.Duration(*pump.ScheduleInterval * float64(time.Second))}, nil
	}
	return schedule{every: defaultInterval}, nil
}

// scheduler runs the pipes of one engine on their schedules and when asked
// (a manual start, or an upstream dataset that changed).
type scheduler struct {
	eng    *engine.Engine
	log    *slog.Logger
	onRun  func(pipe string, sum engine.Summary, err error)
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// step is what a loop does when a pipe is due or poked: runOnce,
	// unless a test puts something else in.
	step func(id string)

	mu      sync.Mutex
	pokes   map[string]chan struct{} // wake a pipe's loop: run now
	running map[string]*runRecord    // the run under way per pipe
	stopped bool                     // no run starts once stop has begun
}

// runRecord is one registered run. Only the run that registered it may
// remove it, so a run that collides with it cannot make it unstoppable.
type runRecord struct {
	ctx    context.Context
	cancel context.CancelFunc
}

// newScheduler starts a loop per pipe. Pipes that must run at startup do.
func newScheduler(eng *engine.Engine, log *slog.Logger, onRun func(string, engine.Summary, error)) *scheduler {
	ctx, cancel := context.WithCancel(context.Background())
	s := &scheduler{eng: eng, log: log, onRun: onRun, ctx: ctx, cancel: cancel,
		pokes: map[string]chan struct{}{}, running: map[string]*runRecord{}}
	s.step = s.runOnce
	for _, p := range eng.Config().Pipes {
		sched, err := pipeSchedule(p)
		if err != nil { // validated at load; keep going without a schedule
			log.Error("bad schedule", "pipe", p.ID, "error", err)
		}
		poke := make(chan struct{}, 1)
		s.pokes[p.ID] = poke
		startNow := p.Pump.RunAtStartup || (p.Pump.RunAtStartupIfNotPopulated && !s.sinkPopulated(p.ID))
		s.wg.Add(1)
		go s.loop(p, sched, poke, startNow)
	}
	return s
}

// sinkPopulated reports whether the pipe's sink dataset is populated. It is
// read before anything runs, so an "onload" sink (which marks its dataset
// populated when the pipe loads) does not hide a dataset that never got
// data: a dataset with no versions counts as not populated.
func (s *scheduler) sinkPopulated(id string) bool {
	p, err := s.eng.Pipe(id)
	if err != nil || p.SinkDataset() == "" {
		return true
	}
	info, ok := s.eng.Store().Dataset(p.SinkDataset())
	return ok && info.Populated && info.Versions > 0
}

func (s *scheduler) loop(p *pipes.Pipe, sched schedule, poke chan struct{}, startNow bool) {
	defer s.wg.Done()
	if startNow {
		s.step(p.ID)
	}
	for {
		if !s.wait(sched, poke) {
			return
		}
		s.step(p.ID)
	}
}

// wait blocks until the pipe is due or poked (true) or the scheduler
// stops (false). The timer is stopped before it returns: a timer held
// until the loop ends would pile up one per wake-up.
func (s *scheduler) wait(sched schedule, poke chan struct{}) bool {
	var due <-chan time.Time
	if next := sched.next(time.Now()); !next.IsZero() {
		t := time.NewTimer(time.Until(next))
		defer t.Stop()
		due = t.C
	}
	select {
	case <-s.ctx.Done():
		return false
	case <-due:
	case <-poke:
	}
	return true
}

// runOnce runs a pipe unless it is disabled or already running.
func (s *scheduler) runOnce(id string) {
	if st, err := s.eng.PipeState(id); err == nil && st.Disabled {
		return
	}
	sum, err := s.run(s.ctx, id)
	if errors.Is(err, engine.ErrRunning) {
		return
	}
	s.onRun(id, sum, err)
}

// run runs a pipe now, as a stoppable run. A pipe that is already
// running here answers engine.ErrRunning, and the run under way is left
// alone.
func (s *scheduler) run(ctx context.Context, id string) (engine.Summary, error) {
	rec, sum, err := s.register(ctx, id)
	if err != nil {
		return sum, err
	}
	return s.execute(id, rec)
}

// start begins a run in the background, as the API's start does, and
// reports the run's outcome like a scheduled run. The run is registered
// before start returns, so a second start sees it.
func (s *scheduler) start(id string) error {
	rec, _, err := s.register(s.ctx, id)
	if err != nil {
		return err
	}
	s.wg.Add(1) // onRun too happens before stop returns
	go func() {
		defer s.wg.Done()
		sum, err := s.execute(id, rec)
		s.onRun(id, sum, err)
	}()
	return nil
}

// register records a run of id, unless one is already registered (an
// engine.ErrRunning error, which changes nothing) or the scheduler is
// stopping (context.Canceled, with the failed summary to report).
func (s *scheduler) register(ctx context.Context, id string) (*runRecord, engine.Summary, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		err := fmt.Errorf("pipe %q: %w", id, context.Canceled)
		return nil, engine.Summary{Pipe: id, Status: engine.StatusFailed, Error: err.Error()}, err
	}
	if s.running[id] != nil {
		err := fmt.Errorf("pipe %q: %w", id, engine.ErrRunning)
		return nil, engine.Summary{Pipe: id, Status: engine.StatusFailed, Error: err.Error()}, err
	}
	rec := &runRecord{}
	rec.ctx, rec.cancel = context.WithCancel(ctx)
	// Every run, a loop's or the API's, is waited for by stop, so a
	// reload never has the old and the new engine run one pipe at once.
	s.wg.Add(1)
	s.running[id] = rec
	return rec, engine.Summary{}, nil
}

// execute runs a registered run, then removes its record (only its own).
func (s *scheduler) execute(id string, rec *runRecord) (engine.Summary, error) {
	defer func() {
		s.mu.Lock()
		if s.running[id] == rec {
			delete(s.running, id)
		}
		s.mu.Unlock()
		rec.cancel()
		s.wg.Done()
	}()
	return s.eng.Run(rec.ctx, id, engine.RunOptions{})
}

// poke asks a pipe's loop to run it soon (it runs once even if poked
// several times while busy).
func (s *scheduler) poke(id string) {
	s.mu.Lock()
	c := s.pokes[id]
	s.mu.Unlock()
	if c == nil {
		return
	}
	select {
	case c <- struct{}{}:
	default:
	}
}

// stopRun cancels a pipe's running run, if any; the batch in flight rolls
// back and the offset stays where the last committed batch left it.
func (s *scheduler) stopRun(id string) bool {
	s.mu.Lock()
	rec := s.running[id]
	s.mu.Unlock()
	if rec != nil {
		rec.cancel()
	}
	return rec != nil
}

// isRunning reports whether a run of the pipe is under way here.
func (s *scheduler) isRunning(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running[id] != nil
}

// stop ends the loops and cancels running runs, then waits for them.
func (s *scheduler) stop() {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
}
