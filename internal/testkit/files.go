package testkit

import (
	"os"
	"path/filepath"
	"testing"
)

// WriteFile writes content to path, making its folder first.
func WriteFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// ConfigDir writes files (name → content) into a new temporary folder and
// returns it: a config folder for pipes.Load or --config.
func ConfigDir(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		WriteFile(t, filepath.Join(dir, name), content)
	}
	return dir
}
