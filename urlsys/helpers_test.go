package urlsys

import (
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/pipes"
)

// subst replaces $URL in a config with a server's URL.
func subst(js, url string) string { return strings.ReplaceAll(js, "$URL", url) }

func registry() *component.Registry {
	r := component.NewRegistry()
	r.MustRegister(SystemSpec)
	return r
}

// systemConfig decodes a system:url config (without _id and type) over
// the defaults.
func systemConfig(t *testing.T, js string) (*SystemConfig, pipes.Errors) {
	t.Helper()
	n, err := pipes.Parse("system.json", []byte(js))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, js)
	}
	cfg := SystemSpec.NewConfig().(*SystemConfig)
	return cfg, pipes.Decode(n, cfg)
}

// newSystem builds a system from a config that must be valid, and closes
// it when the test ends.
func newSystem(t *testing.T, js string) *System {
	t.Helper()
	cfg, errs := systemConfig(t, js)
	if errs.HasErrors() {
		t.Fatalf("system config: %v", errs)
	}
	s, err := component.Build[any](registry(), component.KindSystem, "url", cfg, component.Env{})
	if err != nil {
		t.Fatal(err)
	}
	sys := s.(*System)
	t.Cleanup(func() { sys.Close(t.Context()) })
	return sys
}

// envWith offers sys as the system "api".
func envWith(sys *System) component.Env {
	return component.Env{PipeID: "p", System: func(id string) (any, bool) {
		if id == "api" && sys != nil {
			return sys, true
		}
		return nil, false
	}}
}

// loadConfig loads config files with the package's types, as a user's
// folder is loaded.
func loadConfig(t *testing.T, reg *component.Registry, files map[string]string) (*pipes.Config, error) {
	t.Helper()
	return pipes.Load(testkit.ConfigDir(t, files), pipes.Options{Types: reg})
}
