package cli

import (
	"path/filepath"
	"testing"
)

// A source reading several datasets is checked like the dataset source,
// each warning at the dataset's item of "datasets".
func TestValidateUnwrittenDatasetsOfSeveral(t *testing.T) {
	cfg := configDir(t, map[string]string{"p.json": `[
 {"_id": "men", "type": "pipe", "source": {"type": "embedded", "entities": [{"_id": "a"}]}},
 {"_id": "people", "type": "pipe", "source": {"type": "union_datasets", "datasets": ["men", "womem"]}}
]`})
	p := filepath.ToSlash(filepath.Join(cfg, "p.json"))
	data := filepath.Join(t.TempDir(), "data")
	code, out, errOut := sluiceIn(t, "", "validate", "--config", cfg, "--data", data)
	want := p + `:3:93: /1/source/datasets/1: warning: no pipe writes dataset "womem" and the data folder ` + data + " does not hold it\n"
	if code != 0 || out != cfg+": 2 pipes, 0 systems: ok\n" || errOut != want {
		t.Fatalf("validate: exit %d, stdout %q, stderr\n%s\nwant\n%s", code, out, errOut, want)
	}
}
