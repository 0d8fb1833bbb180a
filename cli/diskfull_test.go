package cli

import (
	"bytes"
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// On a disk below the reserve, `sluice run` says why it waits and opens
// the data folder once space is freed; a command such as pump fails at
// once with the same explanation.
func TestFullDiskWaitsThenOpens(t *testing.T) {
	var free atomic.Uint64
	free.Store(1 << 20)
	var stderr bytes.Buffer
	a := &app{stderr: &stderr, minFree: byteSize{64 << 20}, freeSpace: func(string) (uint64, error) { return free.Load(), nil }}
	defer func(d time.Duration) { diskWaitInterval = d }(diskWaitInterval)
	diskWaitInterval = 10 * time.Millisecond
	dir := t.TempDir()

	if _, err := a.openStore(dir, true); err == nil || !strings.Contains(err.Error(), "64 MiB kept in reserve") {
		t.Fatalf("open on a full disk: %v", err)
	}
	go func() {
		time.Sleep(100 * time.Millisecond)
		free.Store(1 << 30)
	}()
	st, err := a.openStoreWhenSpace(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if out := stderr.String(); !strings.Contains(out, "waiting for disk space") || !strings.Contains(out, "space was freed") || strings.Count(out, "waiting") != 1 {
		t.Errorf("stderr: %s", out)
	}

	free.Store(1 << 20)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := a.openStoreWhenSpace(ctx, dir); err == nil || !strings.Contains(err.Error(), "stopped while waiting for disk space") {
		t.Errorf("a stop while waiting: %v", err)
	}
}

// --min-free takes sizes; a bad one is a usage error (exit 2).
func TestMinFreeFlag(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Run([]string{"dataset", "list", "--min-free", "lots", "--data", t.TempDir()}, nil, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "is not a size") {
		t.Errorf("exit %d, stderr %s", code, errOut.String())
	}
	var b byteSize
	for in, want := range map[string]int64{"256MiB": 256 << 20, "1GB": 1_000_000_000, "0": 0, "4096": 4096} {
		if err := b.Set(in); err != nil || b.n != want {
			t.Errorf("%q: %d, %v", in, b.n, err)
		}
	}
}
