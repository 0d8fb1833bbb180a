package gobuild

import (
	"path/filepath"
	"testing"
)

func TestModuleRoot(t *testing.T) {
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if !isSluiceModule(filepath.Join(root, "go.mod")) {
		t.Fatalf("%s holds no sluice go.mod", root)
	}
	if isSluiceModule(filepath.Join(t.TempDir(), "go.mod")) {
		t.Fatal("a missing go.mod counts as the sluice module")
	}
}
