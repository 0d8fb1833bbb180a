package torture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// procs tracks every child process, so that all of them are killed when the
// run ends, however it ends.
type procs struct {
	mu     sync.Mutex
	live   map[*proc]struct{}
	closed bool
}

func newProcs() *procs { return &procs{live: map[*proc]struct{}{}} }

// proc is one running child.
type proc struct {
	cmd            *exec.Cmd
	stdout, stderr *syncBuffer
	done           chan struct{} // closed once the child is reaped
	err            error         // Wait's error, valid after done
	started, ended time.Time     // ended is valid after done
}

// start runs bin with args in dir. The child dies with this process
// (Pdeathsig where the system has it), and killAll kills it.
func (ps *procs) start(bin, dir string, args ...string) (*proc, error) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.closed {
		return nil, errors.New("shutting down: no new processes")
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.SysProcAttr = childAttr()
	p := &proc{cmd: cmd, stdout: newSyncBuffer(), stderr: newSyncBuffer(), done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s %s: %w", bin, strings.Join(args, " "), err)
	}
	p.started = time.Now()
	ps.live[p] = struct{}{}
	go func() {
		p.err = cmd.Wait()
		p.ended = time.Now()
		ps.mu.Lock()
		delete(ps.live, p)
		ps.mu.Unlock()
		close(p.done)
	}()
	return p, nil
}

// kill sends SIGKILL and waits until the child is reaped.
func (p *proc) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// exited reports whether the child has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// wait waits for the child to end, killing it after timeout or when ctx
// ends. It returns the exit code (-1 when killed by a signal).
func (p *proc) wait(ctx context.Context, timeout time.Duration) (int, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-p.done:
	case <-ctx.Done():
		p.kill()
		return -1, ctx.Err()
	case <-t.C:
		p.kill()
		return -1, fmt.Errorf("%s did not end within %v", p.name(), timeout)
	}
	var ee *exec.ExitError
	switch {
	case p.err == nil:
		return 0, nil
	case errors.As(p.err, &ee):
		return ee.ExitCode(), nil
	default:
		return -1, p.err
	}
}

// name is the command line, for messages.
func (p *proc) name() string {
	return "sluice " + strings.Join(p.cmd.Args[1:], " ")
}

// killAll kills every live child and refuses new ones.
func (ps *procs) killAll() {
	ps.mu.Lock()
	ps.closed = true
	live := make([]*proc, 0, len(ps.live))
	for p := range ps.live {
		live = append(live, p)
	}
	ps.mu.Unlock()
	for _, p := range live {
		p.kill()
	}
}

// syncBuffer is a buffer a child writes while others read it; changed is
// signalled (without blocking) after every write.
type syncBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{}
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{changed: make(chan struct{}, 1)} }

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	n, err := s.b.Write(p)
	s.mu.Unlock()
	select {
	case s.changed <- struct{}{}:
	default:
	}
	return n, err
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// tail is the end of the buffer, for messages.
func (s *syncBuffer) tail(n int) string {
	str := s.String()
	if len(str) > n {
		str = "…" + str[len(str)-n:]
	}
	return strings.TrimSpace(str)
}
