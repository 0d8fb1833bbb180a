package testkit

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sync"
	"testing"

	"github.com/sluice-sync/sluice/internal/gobuild"
)

// ModuleRoot is the sluice checkout's folder (see gobuild.ModuleRoot).
func ModuleRoot() (string, error) { return gobuild.ModuleRoot() }

// Binary builds a package of the module into the test's temporary folder
// and returns its path; the file is named after the package's folder.
func Binary(t testing.TB, pkg string, flags ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), path.Base(pkg))
	if err := gobuild.Build(context.Background(), out, pkg, flags...); err != nil {
		t.Fatal(err)
	}
	return out
}

// built is ./cmd/sluice, built at most once per test process.
var built struct {
	once      sync.Once
	dir, path string
	stamped   bool
	err       error
}

func buildSluice() (string, error) {
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "sluice-testkit-")
		if built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "sluice")
		flags := stampFlags()
		built.stamped = len(flags) > 0
		built.err = gobuild.Build(context.Background(), built.path, "./cmd/sluice", flags...)
	})
	return built.path, built.err
}

// stampFlags asks for version control stamping (which GOFLAGS may turn
// off) when the checkout is a git repository, so the one binary the tests
// share names its commit as a release build does.
func stampFlags() []string {
	root, err := gobuild.ModuleRoot()
	if err != nil || exec.Command("git", "-C", root, "rev-parse", "--git-dir").Run() != nil {
		return nil
	}
	return []string{"-buildvcs=true"}
}

// Stamped reports whether Sluice's binary was built with version control
// stamping.
func Stamped(t testing.TB) bool {
	t.Helper()
	Sluice(t)
	return built.stamped
}

// Sluice returns the sluice binary, built from ./cmd/sluice at the first
// call in the test process. Use Main as TestMain to have it removed.
func Sluice(t testing.TB) string {
	t.Helper()
	p, err := buildSluice()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Main is a TestMain for tests that run the binary: it builds it before
// the tests (a build failure stops them all at once) and removes it
// after. Use it as os.Exit(testkit.Main(m)).
func Main(m *testing.M) int {
	_, err := buildSluice()
	if built.dir != "" {
		defer os.RemoveAll(built.dir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "testkit:", err)
		return 1
	}
	return m.Run()
}
