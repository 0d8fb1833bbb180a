package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/builtin"
	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/pipes"
)

// sesamPage is one page of Sesam's configuration documentation: the
// object it documents and the properties its tables list.
// testdata/sesam-keys.json is made by testdata/sesam-keys.py from a copy
// of Sesam's documentation repository.
type sesamPage struct {
	Page string   `json:"page"`
	Kind string   `json:"kind"`
	Type string   `json:"type"`
	Keys []string `json:"keys"`
}

func sesamPages(t *testing.T) []sesamPage {
	t.Helper()
	data, err := os.ReadFile("testdata/sesam-keys.json")
	if err != nil {
		t.Fatal(err)
	}
	var pages []sesamPage
	if err := json.Unmarshal(data, &pages); err != nil {
		t.Fatal(err)
	}
	return pages
}

// accepted lists the keys a config struct, or an object nested in it
// (such as a system's operations, which Sesam documents on the same
// page), reads or accepts as Sesam's.
func accepted(cfg any) []string {
	var keys []string
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		seen[t] = true
		if s, ok := reflect.New(t).Interface().(pipes.SesamCompatible); ok {
			keys = append(keys, s.SesamKeys()...)
		}
		for _, f := range pipes.Fields(t) {
			keys = append(keys, f.Name)
			walk(f.GoType)
		}
	}
	walk(reflect.TypeOf(cfg))
	return keys
}

// Every property Sesam documents for a type sluice has is read or
// accepted with a warning: a Sesam config never fails on a documented key.
func TestSesamDocumentedKeysAreAccepted(t *testing.T) {
	reg := builtin.Registry()
	pipe, pump := pipes.ReferenceConfigs()
	generic := []string{"type", "comment", "name", "description", "_id", "metadata", "worker_threads", "permissions"}
	for _, p := range sesamPages(t) {
		var cfg any
		switch p.Kind {
		case "pipe":
			cfg = pipe
		case "pump":
			cfg = pump
		case "metadata":
			cfg = pipes.ReferenceMetadata()
		default:
			spec, ok := reg.Lookup(component.Kind(p.Kind), p.Type)
			if !ok {
				continue // TestSesamOnlyTypesAreExplained covers it
			}
			cfg = spec.NewConfig()
		}
		keys := append(accepted(cfg), pipes.KindSesamKeys(p.Kind)...)
		documented := p.Keys
		if p.Type == "template" {
			// The rest are the built-in templates' properties, which
			// the template transform's own tests check.
			documented = []string{"template", "properties"}
		}
		for _, k := range documented {
			if !slices.Contains(keys, k) && !slices.Contains(generic, k) {
				t.Errorf("%s %s: Sesam documents %q (%s), which sluice refuses", p.Kind, p.Type, k, p.Page)
			}
		}
	}
}

// A documented Sesam type sluice does not have is refused with a message
// that says so and lists the types sluice has, not taken for a typo.
func TestSesamOnlyTypesAreExplained(t *testing.T) {
	reg := builtin.Registry()
	for _, p := range sesamPages(t) {
		if p.Type == "" || p.Kind == "pipe" || p.Kind == "pump" || p.Kind == "metadata" {
			continue
		}
		if _, ok := reg.Lookup(component.Kind(p.Kind), p.Type); ok {
			continue
		}
		var obj string
		switch p.Kind {
		case "system":
			obj = `{"_id": "s", "type": "system:` + p.Type + `"}`
		case "source":
			obj = `{"_id": "p", "type": "pipe", "source": {"type": "` + p.Type + `"}}`
		default:
			obj = `{"_id": "p", "type": "pipe", "source": {"type": "embedded", "entities": []}, "` + p.Kind + `": {"type": "` + p.Type + `"}}`
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "c.json"), []byte(obj), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := pipes.Load(dir, pipes.Options{Types: reg})
		if err == nil || !(strings.Contains(err.Error(), "is a Sesam type that sluice does not have") || strings.Contains(err.Error(), "which sluice does not do")) ||
			!strings.Contains(err.Error(), "types: ") {
			t.Errorf("%s type %q (%s): %v", p.Kind, p.Type, p.Page, err)
		}
	}
}
