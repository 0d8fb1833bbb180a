package notify_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"github.com/sluice-sync/sluice/builtin"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
)

// request is one request a receiver got.
type request struct {
	header http.Header
	body   []byte
}

// receiver is a loopback HTTP server that records requests and answers
// with the statuses queued in answers (then 200).
type receiver struct {
	*httptest.Server
	mu      sync.Mutex
	got     []request
	answers []int
	arrived chan struct{}
}

func newReceiver(t *testing.T, answers ...int) *receiver {
	t.Helper()
	r := &receiver{answers: answers, arrived: make(chan struct{}, 100)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, request{header: req.Header.Clone(), body: body})
		status := http.StatusOK
		if len(r.answers) > 0 {
			status, r.answers = r.answers[0], r.answers[1:]
		}
		r.mu.Unlock()
		w.WriteHeader(status)
		io.WriteString(w, `{"answer": "from the receiver"}`)
		r.arrived <- struct{}{}
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]request(nil), r.got...)
}

// loadConfig writes a config file and loads it, with $SECRET(name) taken
// from secrets.
func loadConfig(t *testing.T, config string, secrets map[string]string) *pipes.Config {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := pipes.Load(dir, pipes.Options{Types: builtin.Registry(), Secrets: func(name string) (string, bool) {
		v, ok := secrets[name]
		return v, ok
	}})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// logBuffer is a slog logger writing into a buffer tests can read.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// logEntries reads the delivery log dataset.
func logEntries(t *testing.T, st *store.Store) []map[string]any {
	t.Helper()
	var out []map[string]any
	err := st.Scan("system:notification_log", store.ReadOptions{}, func(_ uint64, e []byte) error {
		var m map[string]any
		if err := json.Unmarshal(e, &m); err != nil {
			return err
		}
		out = append(out, m)
		return nil
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	return out
}

// rawLog is the delivery log as text, to look for things that must not be
// in it.
func rawLog(t *testing.T, st *store.Store) string {
	t.Helper()
	var b strings.Builder
	st.Scan("system:notification_log", store.ReadOptions{History: true}, func(_ uint64, e []byte) error {
		b.Write(e)
		b.WriteByte('\n')
		return nil
	})
	return b.String()
}
