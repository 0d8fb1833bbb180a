package notify_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/builtin"
	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
)

// answerBody is what the receiver answers, for the log to keep.
const answerBody = `{"answer": "from the receiver"}`

// newReceiver is a receiver that answers the statuses queued in answers,
// then 200, each with answerBody.
func newReceiver(t *testing.T, answers ...int) *testkit.Receiver {
	t.Helper()
	replies := testkit.Replies(answers...)
	for i := range replies {
		replies[i].Body = answerBody
	}
	return testkit.NewReceiver(t, testkit.ReceiverOptions{Replies: replies, Reply: testkit.Reply{Status: http.StatusOK, Body: answerBody}})
}

// loadConfig writes a config file and loads it, with $SECRET(name) taken
// from secrets.
func loadConfig(t *testing.T, config string, secrets map[string]string) *pipes.Config {
	t.Helper()
	dir := testkit.ConfigDir(t, map[string]string{"config.json": config})
	cfg, err := pipes.Load(dir, pipes.Options{Types: builtin.Registry(), Secrets: func(name string) (string, bool) {
		v, ok := secrets[name]
		return v, ok
	}})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
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
