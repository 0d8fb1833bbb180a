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
	"cli":                {"builtin", "component", "connector", "dtl", "engine", "entity", "notify", "pipes", "receiver", "service", "store", "webhook"},

	// The list of built-in component types: the only importer of the
	// component packages.
	"builtin": {"component", "pipes", "rest", "sinks", "sources", "transforms", "urlsys", "webhooksink"},

	// The service and the runner know the contracts only.
	"service":  {"component", "engine", "httpjson", "notify", "pipes", "store", "webhook"},
	"receiver": {"component", "engine", "entity", "httpjson", "pipes", "store"},
	"engine":   {"component", "dtl", "entity", "pipes", "store"},
	"notify":   {"entity", "pipes", "store", "webhook"},

	// Component packages: each may use the contracts and the shared
	// libraries, never another component package.
	"sources":     {"component", "dtl", "entity", "jinja", "pipes", "store"},
	"sinks":       {"component", "entity", "pipes", "pycsv", "store"},
	"transforms":  {"component", "dtl", "entity", "pipes", "store"},
	"rest":        {"component", "dtl", "entity", "httpretry", "jinja", "pipes"},
	"webhooksink": {"component", "dtl", "entity", "httpretry", "pipes", "store", "webhook"},
	"urlsys":      {"component", "dtl", "entity", "httpretry", "jinja", "pipes", "pycsv", "store"},

	// Contracts and shared libraries.
	"component": {"entity", "pipes", "store"},
	"webhook":   {"httpretry"},
	"jinja":     {"dtl", "pipes"},
	"dtl":       {"pipes"},
	// Expands Sesam connectors into config folders; pipes gives it
	// positioned JSON and errors.
	"connector": {"pipes"},
	"store":     {"entity"},
	"pipes":     {},
	"entity":    {},
	"httpjson":  {},
	"httpretry": {},
	"pycsv":     {},

	// Tests and tools.
	"e2e":                            {},
	"internal/arrows":                {},
	"internal/testkit":               {"internal/gobuild", "store"},
	"internal/gobuild":               {},
	"internal/torture":               {"internal/gobuild", "store"},
	"internal/sesamdocs/extract":     {},
	"examples/webhooks/fakeapi":      {},
	"examples/connector/fakeapi":     {},
	"examples/webhooks-out/receiver": {},
}

// componentPackages may only be reached through builtin.
var componentPackages = []string{"sources", "sinks", "transforms", "rest", "webhooksink", "urlsys"}

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

// packages is what one "go list" says of every package of the module: its
// direct imports and its whole dependency tree (tests aside).
type packages map[string]struct{ imports, deps []string }

func listPackages(t *testing.T) packages {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}}|{{join .Imports " "}}|{{join .Deps " "}}`, "./...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("go list: %v\n%s", err, msg)
	}
	ps := packages{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		parts := strings.Split(line, "|")
		if len(parts) != 3 {
			t.Fatalf("go list printed %q", line)
		}
		ps[strings.TrimPrefix(parts[0], module)] = struct{ imports, deps []string }{
			ownPackages(parts[1]), ownPackages(parts[2])}
	}
	return ps
}

// ownPackages keeps the module's packages of a space-separated list,
// relative to the module.
func ownPackages(list string) []string {
	var out []string
	for _, p := range strings.Fields(list) {
		if rel, ok := strings.CutPrefix(p, module); ok {
			out = append(out, rel)
		}
	}
	return out
}

// TestArrows checks every package's direct imports of the module's
// packages against allowed, and that no path brings a forbidden package
// into the packages that must stay generic.
func TestArrows(t *testing.T) {
	ps := listPackages(t)
	for pkg, p := range ps {
		ok, known := allowed[pkg]
		if !known {
			t.Errorf("package %s is not in the allowed imports table (internal/arrows): decide what it may import", pkg)
			continue
		}
		for _, imp := range p.imports {
			if !slices.Contains(ok, imp) {
				t.Errorf("%s imports %s, which it may not (allowed: %v)", pkg, imp, ok)
			}
		}
	}
	for pkg, forbidden := range forbiddenDeps {
		p, ok := ps[pkg]
		if !ok {
			t.Errorf("forbiddenDeps names %s, which is not a package of the module", pkg)
			continue
		}
		for _, d := range p.deps {
			if slices.Contains(forbidden, d) {
				t.Errorf("%s depends (perhaps indirectly) on %s", pkg, d)
			}
		}
	}
}
