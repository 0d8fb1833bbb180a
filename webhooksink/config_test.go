package webhooksink_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/builtin"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/webhook"
	"github.com/sluice-sync/sluice/webhooksink"
)

// A bad retry schedule is reported at each member at fault, as the
// loader reports any field of the sink.
func TestRetryProblemsPointAtTheirMember(t *testing.T) {
	dir := t.TempDir()
	cfg := `{"_id": "out", "type": "pipe", "source": {"type": "dataset", "dataset": "src"},
  "sink": {"type": "webhook", "url": "http://127.0.0.1:1/in", "secret": "` + testSecret + `",
    "retry": {"max_attempts": 0,
              "timeout": 0}}}`
	if err := os.WriteFile(filepath.Join(dir, "p.json"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := pipes.Load(dir, pipes.Options{Types: builtin.Registry()})
	if err == nil {
		t.Fatal("the config loaded")
	}
	for _, want := range []string{
		"p.json:3:31: /sink/retry/max_attempts: max_attempts must be between 1 and 100",
		"p.json:4:26: /sink/retry/timeout: timeout must be positive",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q:\n%v", want, err)
		}
	}
}

// The reference states the retry defaults in tags, since a nested table
// cannot read them from the sink's defaults; they must be the client's.
func TestRetryDefaultTagsAreTheClientDefaults(t *testing.T) {
	b, err := json.Marshal(webhook.DefaultRetry())
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]json.RawMessage
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	fields := pipes.Fields(reflect.TypeFor[webhooksink.RetryConfig]())
	if len(fields) != len(want) {
		t.Fatalf("retry has %d properties, webhook.Retry %d", len(fields), len(want))
	}
	for _, f := range fields {
		if f.Default != string(want[f.Name]) {
			t.Errorf("retry.%s: the default tag says %q, webhook.DefaultRetry %s", f.Name, f.Default, want[f.Name])
		}
	}
}
