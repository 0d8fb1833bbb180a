package connector

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	files := []File{{"pipes/a.conf.json", []byte("{}\n")}, {"systems/s.conf.json", []byte("[]\n")}}
	mk := func(t *testing.T, dir string, names ...string) {
		t.Helper()
		for _, n := range names {
			p := filepath.Join(dir, filepath.FromSlash(n))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Run("new folder", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "a", "b")
		if err := Write(out, files); err != nil {
			t.Fatal(err)
		}
		if got := tree(t, out); got != "pipes/a.conf.json={}\n systems/s.conf.json=[]\n" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("earlier expansions are replaced", func(t *testing.T) {
		out := t.TempDir()
		// A stale pipe from sluice, and what sesam-py leaves.
		mk(t, out, "pipes/gone.conf.json", "systems/s.conf.json", "node-metadata.conf.json", "test-env.json", ".hidden", "pipes/.DS_Store")
		if err := Write(out, files); err != nil {
			t.Fatal(err)
		}
		if got := tree(t, out); got != ".hidden=old pipes/a.conf.json={}\n systems/s.conf.json=[]\n" {
			t.Errorf("got %q", got)
		}
	})
	for _, foreign := range []string{"notes.txt", "pipes/readme.md", "pipes/sub/x.json", "templates/t.json"} {
		t.Run("refuses "+foreign, func(t *testing.T) {
			out := t.TempDir()
			mk(t, out, foreign, "pipes/keep.conf.json")
			err := Write(out, files)
			if err == nil || !strings.Contains(err.Error(), "which an expansion does not write") {
				t.Fatalf("got %v", err)
			}
			if _, err := os.Stat(filepath.Join(out, "pipes", "keep.conf.json")); err != nil {
				t.Errorf("a refused folder was changed: %v", err)
			}
		})
	}
	t.Run("a file", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "f")
		mk(t, filepath.Dir(out), "f")
		if err := Write(out, files); err == nil {
			t.Fatal("wrote into a file")
		}
	})
}

// tree lists the files under dir as "name=content" sorted by name.
func tree(t *testing.T, dir string) string {
	t.Helper()
	var out []string
	for name, b := range readTree(t, dir) {
		out = append(out, name+"="+string(b))
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}
