// Package arrows holds the test that keeps sluice's dependency arrows
// pointing one way (see docs/architecture.md).
package arrows

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/sluice-sync/sluice/"

// allowed lists, for every package of the module, the module's packages it
// may import directly (tests aside). A package missing here fails the
// test: adding one means deciding where it sits.
var allowed = map[string][]string{
	// The program and its command line.
	"cmd/sluice":         {"cli"},
	"cmd/sluice-load":    {},
	"cmd/sluice-torture": {"internal/torture"},
	"cli":                {"builtin", "component", "dtl", "engine", "entity", "notify", "pipes", "receiver", "service", "store", "webhook"},

	// The list of built-in component types: the only importer of the
	// component packages.
	"builtin": {"component", "pipes", "rest", "sinks", "sources", "transforms", "webhooksink"},

	// The service and the runner know the contracts only.
	"service":  {"component", "engine", "httpjson", "notify", "pipes", "store", "webhook"},
	"receiver": {"component", "engine", "entity", "httpjson", "pipes", "store"},
	"engine":   {"component", "dtl", "entity", "pipes", "store"},
	"notify":   {"entity", "pipes", "store", "webhook"},

	// Component packages: each may use the contracts and the shared
	// libraries, never another component package.
	"sources":     {"component", "dtl", "entity", "jinja", "pipes", "store"},
	"sinks":       {"component", "entity", "pipes", "store"},
	"transforms":  {"component", "dtl", "entity", "pipes", "store"},
	"rest":        {"component", "dtl", "entity", "httpretry", "jinja", "pipes"},
	"webhooksink": {"component", "dtl", "entity", "httpretry", "pipes", "store", "webhook"},

	// Contracts and shared libraries.
	"component": {"entity", "pipes", "store"},
	"webhook":   {"httpretry"},
	"jinja":     {"dtl", "pipes"},
	"dtl":       {"pipes"},
	"store":     {"entity"},
	"pipes":     {},
	"entity":    {},
	"httpjson":  {},
	"httpretry": {},

	// Tests and tools.
	"e2e":                            {},
	"internal/arrows":                {},
	"internal/testkit":               {"internal/gobuild", "store"},
	"internal/gobuild":               {},
	"internal/torture":               {"internal/gobuild", "store"},
	"examples/webhooks/fakeapi":      {},
	"examples/webhooks-out/receiver": {},
}

// componentPackages may only be reached through builtin.
var componentPackages = []string{"sources", "sinks", "transforms", "rest", "webhooksink"}

// forbiddenDeps are packages that must stay out of a package's whole
// dependency tree, whoever would bring them in.
var forbiddenDeps = map[string][]string{
	"engine":   append([]string{"builtin", "service", "receiver", "cli"}, componentPackages...),
	"service":  append([]string{"builtin", "cli"}, componentPackages...),
	"receiver": append([]string{"builtin", "cli", "service"}, componentPackages...),
	"notify":   append([]string{"dtl", "component", "engine"}, componentPackages...),
	"webhook":  {"dtl", "component", "store", "pipes", "webhooksink"},
	// Programs never link the test utilities (and so the testing package).
	"cmd/sluice":         {"internal/testkit"},
	"cmd/sluice-torture": {"internal/testkit"},
}

func goList(t *testing.T, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("go list %v: %v\n%s", args, err, msg)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// TestImports checks every package's direct imports of the module's
// packages against allowed.
func TestImports(t *testing.T) {
	for _, line := range goList(t, "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], module)
		ok, known := allowed[pkg]
		if !known {
			t.Errorf("package %s is not in the allowed imports table (internal/arrows): decide what it may import", pkg)
			continue
		}
		for _, imp := range fields[1:] {
			if !strings.HasPrefix(imp, module) {
				continue
			}
			imp = strings.TrimPrefix(imp, module)
			if !slices.Contains(ok, imp) {
				t.Errorf("%s imports %s, which it may not (allowed: %v)", pkg, imp, ok)
			}
		}
	}
}

// TestDependencyTrees checks that no path brings a forbidden package into
// the packages that must stay generic.
func TestDependencyTrees(t *testing.T) {
	for pkg, forbidden := range forbiddenDeps {
		deps := goList(t, "-deps", "./"+pkg)
		for _, d := range deps {
			if !strings.HasPrefix(d, module) {
				continue
			}
			if slices.Contains(forbidden, strings.TrimPrefix(d, module)) {
				t.Errorf("%s depends (perhaps indirectly) on %s", pkg, d)
			}
		}
	}
}
