package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/internal/testkit"
)

// readers has pipes reading a mistyped dataset, an imported one, one far
// from any name a pipe writes, and the engine's own run events.
const readers = `[
 {"_id": "crm-customers", "type": "pipe", "source": {"type": "embedded", "entities": [{"_id": "a"}]}},
 {"_id": "mailing", "type": "pipe", "source": {"type": "dataset", "dataset": "crm-customer"}},
 {"_id": "from-import", "type": "pipe", "source": {"type": "dataset", "dataset": "imported"}, "sink": {"dataset": "copied"}},
 {"_id": "far", "type": "pipe", "source": {"type": "dataset", "dataset": "zzz-unrelated"}, "sink": {"type": "dataset", "dataset": "far-out"}},
 {"_id": "runs", "type": "pipe", "source": {"type": "dataset", "dataset": "system:pump_execution:crm-customers"}},
 {"_id": "chained", "type": "pipe", "source": {"type": "dataset", "dataset": "copied"}}
]`

func TestValidateUnwrittenDatasets(t *testing.T) {
	cfg := configDir(t, map[string]string{"p.json": readers})
	p := filepath.ToSlash(filepath.Join(cfg, "p.json"))
	typo := p + `:3:78: /1/source/dataset: warning: no pipe writes dataset "crm-customer" and the data folder DATA does not hold it (did you mean "crm-customers"?)`
	imported := p + `:4:82: /2/source/dataset: warning: no pipe writes dataset "imported" and the data folder DATA does not hold it`
	far := p + `:5:74: /3/source/dataset: warning: no pipe writes dataset "zzz-unrelated" and the data folder DATA does not hold it`
	validate := func(data string) (int, string, string) {
		t.Helper()
		code, out, errOut := sluiceIn(t, "", "validate", "--config", cfg, "--data", data)
		if code != 0 || out != cfg+": 6 pipes, 0 systems: ok\n" {
			t.Fatalf("validate --data %s: exit %d, stdout %q, stderr %q", data, code, out, errOut)
		}
		return code, out, errOut
	}

	// A data folder that does not exist holds nothing, and is not created.
	data := filepath.Join(t.TempDir(), "data")
	_, _, errOut := validate(data)
	want := strings.ReplaceAll(typo+"\n"+imported+"\n"+far+"\n", "DATA", data)
	if errOut != want {
		t.Errorf("no data folder: stderr\n%s\nwant\n%s", errOut, want)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Fatalf("validate created the data folder: %v", err)
	}
	// Nor does an empty folder, and nothing is written into it.
	empty := t.TempDir()
	if _, _, errOut := validate(empty); errOut != strings.ReplaceAll(typo+"\n"+imported+"\n"+far+"\n", "DATA", empty) {
		t.Errorf("empty data folder: stderr %q", errOut)
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Fatalf("validate wrote into an empty folder: %v", entries)
	}

	// A dataset the data folder holds is no typo.
	if code, _, errOut := sluiceIn(t, `{"_id": "x"}`, "dataset", "import", "imported", "--data", data); code != 0 {
		t.Fatalf("import: %d %s", code, errOut)
	}
	if _, _, errOut := validate(data); errOut != strings.ReplaceAll(typo+"\n"+far+"\n", "DATA", data) {
		t.Errorf("with the imported dataset: stderr %q", errOut)
	}

	// A data folder held by a running sluice is not checked.
	st := testkit.OpenStoreAt(t, data)
	defer st.Close()
	_, _, errOut = validate(data)
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], p+`:3:78: /1/source/dataset: warning: no pipe writes dataset "crm-customer" (did you mean "crm-customers"?); the data folder `+data+` is in use by a running sluice, so whether it holds the dataset was not checked`) ||
		!strings.Contains(lines[1], `no pipe writes dataset "imported"; the data folder`) || !strings.Contains(lines[2], `"zzz-unrelated"`) {
		t.Errorf("locked data folder: stderr %q", errOut)
	}
}

// TestValidateWrittenDatasets: a config whose sources all read what its
// pipes write does not look at the data folder at all.
func TestValidateWrittenDatasets(t *testing.T) {
	cfg := configDir(t, map[string]string{"p.json": `[
	 {"_id": "a", "type": "pipe", "source": {"type": "embedded", "entities": []}},
	 {"_id": "b", "type": "pipe", "source": {"type": "dataset", "dataset": "a"}},
	 {"_id": "pub", "type": "pipe", "source": {"type": "embedded", "entities": []}, "sink": {"type": "http_endpoint"}},
	 {"_id": "c", "type": "pipe", "source": {"type": "dataset", "dataset": "pub"}},
	 {"_id": "csv", "type": "pipe", "source": {"type": "embedded", "entities": []}, "sink": {"type": "csv_endpoint", "columns": ["_id"]}},
	 {"_id": "d", "type": "pipe", "source": {"type": "dataset", "dataset": "csv"}}]`})
	notAFolder := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notAFolder, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := sluiceIn(t, "", "validate", "--config", cfg, "--data", notAFolder); code != 0 || errOut != "" || !strings.HasSuffix(out, ": ok\n") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
