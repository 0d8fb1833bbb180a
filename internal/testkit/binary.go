package testkit

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

const modulePath = "github.com/sluice-sync/sluice"

// ModuleRoot walks up from the working folder to the sluice module's
// go.mod and returns its folder.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if isSluiceModule(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the sluice module")
		}
		dir = parent
	}
}

func isSluiceModule(gomod string) bool {
	f, err := os.Open(gomod)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if mod, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.TrimSpace(mod) == modulePath
		}
	}
	return false
}

// Build runs "go build flags -o out pkg" in the module root; pkg is a
// path like "./cmd/sluice".
func Build(ctx context.Context, out, pkg string, flags ...string) error {
	root, err := ModuleRoot()
	if err != nil {
		return err
	}
	args := append(append([]string{"build"}, flags...), "-o", out, pkg)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s in %s: %w\n%s", strings.Join(args, " "), root, err, b)
	}
	return nil
}

// Binary builds a package of the module into the test's temporary folder
// and returns its path; the file is named after the package's folder.
func Binary(t testing.TB, pkg string, flags ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), path.Base(pkg))
	if err := Build(context.Background(), out, pkg, flags...); err != nil {
		t.Fatal(err)
	}
	return out
}

// built is ./cmd/sluice, built at most once per test process.
var built struct {
	once      sync.Once
	dir, path string
	err       error
}

func buildSluice() (string, error) {
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "sluice-testkit-")
		if built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "sluice")
		built.err = Build(context.Background(), built.path, "./cmd/sluice")
	})
	return built.path, built.err
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
