package cli

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// progress draws a one-line progress report on a terminal, at most a few
// times a second, and clears it when done. On anything but a terminal it
// does nothing, so piped output stays clean.
type progress struct {
	w    io.Writer
	on   bool
	mu   sync.Mutex
	last time.Time
}

func newProgress(w io.Writer) *progress {
	f, ok := w.(*os.File)
	on := false
	if ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			on = true
		}
	}
	return &progress{w: w, on: on}
}

// show redraws the line, unless it was drawn moments ago.
func (p *progress) show(format string, args ...any) {
	if !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	fmt.Fprintf(p.w, "\r\033[K"+format, args...)
}

// done clears the line.
func (p *progress) done() {
	if p.on && !p.last.IsZero() {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
