package torture

import (
	"strings"
	"testing"
)

func TestServingLine(t *testing.T) {
	if _, ok := servingLine("sluice: serving on http://127.0.0.1:4"); ok {
		t.Error("a line not yet ended was taken")
	}
	url, ok := servingLine("warn\nsluice: serving on http://127.0.0.1:4321 (config c, data d)\n")
	if !ok || url != "http://127.0.0.1:4321" {
		t.Errorf("got %q %v", url, ok)
	}
}

func TestOpenHint(t *testing.T) {
	for _, stderr := range []string{
		`sluice: open data folder d: During db.vlog.open err: Open existing file: "d/000002.vlog" err: Create a new file`,
		`sluice: open data folder d: while opening memtables err: while opening fid: 5 err: Create a new file`,
	} {
		if !strings.Contains(openHint(stderr), "the next one succeeds") {
			t.Errorf("no hint for %s", stderr)
		}
	}
	if openHint("sluice: open data folder d: permission denied") != "" {
		t.Error("a hint for another failure")
	}
}
