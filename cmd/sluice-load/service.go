package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// config: an open receiver, a signed one, and nothing else running.
const config = `[
 {"_id": "open", "type": "pipe", "source": {"type": "http_endpoint"}},
 {"_id": "signed", "type": "pipe", "source": {"type": "http_endpoint",
   "validation": {"type": "standard-webhooks", "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}}
]`

// service is a running `sluice run`.
type service struct {
	cmd  *exec.Cmd
	base string // http://127.0.0.1:PORT
	addr string
	done chan struct{}
}

func startService(o options, work string) (*service, error) {
	cfgDir := filepath.Join(work, "config")
	if err := os.MkdirAll(cfgDir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(cfgDir, "pipes.json"), []byte(config), 0o644); err != nil {
		return nil, err
	}
	args := []string{"run", "--config", cfgDir, "--data", filepath.Join(work, "data"), "--addr", "127.0.0.1:0"}
	if o.minFree != "" {
		args = append(args, "--min-free", o.minFree)
	}
	args = append(args, strings.Fields(o.extra)...)
	cmd := exec.Command(o.bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &service{cmd: cmd, done: make(chan struct{})}
	lines := bufio.NewScanner(stderr)
	for lines.Scan() {
		if _, rest, ok := strings.Cut(lines.Text(), "serving on http://"); ok {
			s.addr = strings.Fields(rest)[0]
			s.base = "http://" + s.addr
			break
		}
	}
	if s.base == "" {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("sluice run did not start")
	}
	go func() {
		for lines.Scan() { // keep draining, so the service never blocks on its log
		}
		cmd.Wait()
		close(s.done)
	}()
	return s, nil
}

func (s *service) alive() bool {
	select {
	case <-s.done:
		return false
	default:
		return s.cmd.Process.Signal(syscall.Signal(0)) == nil
	}
}

func (s *service) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(40 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// rss, memory and peakRSS read the service's resident memory from /proc
// (VmRSS now, split into RssAnon and RssFile; VmHWM the peak since it
// started), in bytes.
func (s *service) rss() int64 { return procStatus(s.cmd.Process.Pid, "VmRSS:") }

func (s *service) memory() memory {
	pid := s.cmd.Process.Pid
	return memory{rss: procStatus(pid, "VmRSS:"), anon: procStatus(pid, "RssAnon:"), file: procStatus(pid, "RssFile:")}
}

func (s *service) peakRSS() int64 { return procStatus(s.cmd.Process.Pid, "VmHWM:") }

func procStatus(pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == field {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
