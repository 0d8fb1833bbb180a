package pipes_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/builtin"
	"github.com/sluice-sync/sluice/pipes"
)

// A signing secret written literally in a sink's config is redacted like
// one given through $SECRET.
func TestLiteralSinkSecretIsRedacted(t *testing.T) {
	dir := t.TempDir()
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	cfg := `{"_id": "out", "type": "pipe", "source": {"type": "dataset", "dataset": "src"},
	  "sink": {"type": "webhook", "url": "http://127.0.0.1:1/in", "secret": "` + secret + `"}}`
	if err := os.WriteFile(filepath.Join(dir, "p.json"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := pipes.Load(dir, pipes.Options{Types: builtin.Registry()})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Redact("the secret is " + secret); strings.Contains(got, secret) {
		t.Errorf("not redacted: %s", got)
	}
}
