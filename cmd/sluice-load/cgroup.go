package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// memoryCap is a cgroup (v1 memory controller) the service runs in, so the
// run shows whether the service fits in a memory cap: the kernel reclaims
// page cache (the store's memory-mapped files) to stay under it, and kills
// the process if what it cannot reclaim does not fit.
type memoryCap struct{ dir string }

// newMemoryCap makes a cgroup of limit bytes beside this process's own and
// moves pid into it.
func newMemoryCap(pid int, limit int64) (*memoryCap, error) {
	self, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, err
	}
	var parent string
	for _, line := range strings.Split(string(self), "\n") {
		if f := strings.SplitN(line, ":", 3); len(f) == 3 && f[1] == "memory" {
			parent = filepath.Join("/sys/fs/cgroup/memory", f[2])
		}
	}
	if parent == "" {
		return nil, errors.New("no cgroup v1 memory controller")
	}
	dir := filepath.Join(parent, fmt.Sprintf("sluice-load-%d", pid))
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	c := &memoryCap{dir: dir}
	if err := c.write("memory.limit_in_bytes", strconv.FormatInt(limit, 10)); err != nil {
		c.remove()
		return nil, err
	}
	if err := c.write("cgroup.procs", strconv.Itoa(pid)); err != nil {
		c.remove()
		return nil, err
	}
	return c, nil
}

func (c *memoryCap) write(name, v string) error {
	return os.WriteFile(filepath.Join(c.dir, name), []byte(v), 0o644)
}

func (c *memoryCap) read(name string) string {
	b, _ := os.ReadFile(filepath.Join(c.dir, name))
	return strings.TrimSpace(string(b))
}

// report says the highest usage the cgroup saw and whether the kernel had
// to kill anything in it.
func (c *memoryCap) report() string {
	maxUse, _ := strconv.ParseInt(c.read("memory.max_usage_in_bytes"), 10, 64)
	oomKills := "0"
	for _, line := range strings.Split(c.read("memory.oom_control"), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "oom_kill" {
			oomKills = f[1]
		}
	}
	return fmt.Sprintf("highest usage %.0f MB (page cache included), times the cap was hit %s, OOM kills %s",
		float64(maxUse)/(1<<20), c.read("memory.failcnt"), oomKills)
}

// remove deletes the cgroup once its process has ended.
func (c *memoryCap) remove() { os.Remove(c.dir) }
