package rest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/pipes"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeRaw(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// subst replaces $URL in a config with the server's URL.
func subst(js, url string) string { return strings.ReplaceAll(js, "$URL", url) }

// decodeConfig parses js (as the file "file") and decodes it over dst.
func decodeConfig(t *testing.T, file, js string, dst any) pipes.Errors {
	t.Helper()
	n, err := pipes.Parse(file, []byte(js))
	if err != nil {
		t.Fatalf("parse %s: %v\n%s", file, err, js)
	}
	return pipes.Decode(n, dst)
}

// systemConfig decodes a system:rest config over the registered defaults.
func systemConfig(t *testing.T, js string) (*SystemConfig, pipes.Errors) {
	t.Helper()
	cfg := SystemSpec.NewConfig().(*SystemConfig)
	errs := decodeConfig(t, "system.json", js, cfg)
	return cfg, errs
}

// newSystem builds a system from a config that must be valid.
func newSystem(t *testing.T, js string) *System {
	t.Helper()
	cfg, errs := systemConfig(t, js)
	if errs.HasErrors() {
		t.Fatalf("system config: %v", errs)
	}
	s, err := component.Build[any](registry(t), component.KindSystem, "rest", cfg, component.Env{})
	if err != nil {
		t.Fatal(err)
	}
	return s.(*System)
}

func registry(t *testing.T) *component.Registry {
	t.Helper()
	r := component.NewRegistry()
	r.MustRegister(SystemSpec, TransformSpec, SinkSpec, SourceSpec)
	return r
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

// buildComponent decodes a component config of kind (without "type") and
// builds it with sys as the system "api".
func buildComponent[T any](t *testing.T, kind component.Kind, sys *System, js string) (T, error) {
	t.Helper()
	var zero T
	reg := registry(t)
	spec, ok := reg.Lookup(kind, "rest")
	if !ok {
		t.Fatalf("no rest %s", kind)
	}
	cfg := spec.NewConfig()
	if errs := decodeConfig(t, string(kind)+".json", js, cfg); errs.HasErrors() {
		return zero, errs
	}
	return component.Build[T](reg, kind, "rest", cfg, envWith(sys))
}

func mustTransform(t *testing.T, sys *System, js string) component.Transform {
	t.Helper()
	tr, err := buildComponent[component.Transform](t, component.KindTransform, sys, js)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func mustSink(t *testing.T, sys *System, js string) component.Sink {
	t.Helper()
	s, err := buildComponent[component.Sink](t, component.KindSink, sys, js)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustSource(t *testing.T, sys *System, js string) component.Source {
	t.Helper()
	s, err := buildComponent[component.Source](t, component.KindSource, sys, js)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func entities(docs ...string) []entity.Entity {
	out := make([]entity.Entity, len(docs))
	for i, d := range docs {
		out[i] = entity.Entity(d)
	}
	return out
}

// decoded turns entities into maps for comparisons.
func decoded(t *testing.T, es []entity.Entity) []map[string]any {
	t.Helper()
	out := make([]map[string]any, len(es))
	for i, e := range es {
		if err := json.Unmarshal(e, &out[i]); err != nil {
			t.Fatalf("entity %d is not JSON: %v: %s", i, err, e)
		}
	}
	return out
}

// sameJSON compares got (any JSON-able value) with the JSON text want.
func sameJSON(t *testing.T, what string, got any, want string) {
	t.Helper()
	var g, w any
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want %s: %v", want, err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if string(gb) != string(wb) {
		t.Errorf("%s:\n got %s\nwant %s", what, gb, wb)
	}
}

// readAll runs a source to the end and returns its entities and the since
// of its last batch.
func readAll(t *testing.T, src component.Source, since string) ([]map[string]any, string, error) {
	t.Helper()
	var all []entity.Entity
	last := ""
	err := src.Read(context.Background(), component.ReadRequest{Since: since, BatchSize: 100}, func(b component.Batch) error {
		all = append(all, b.Entities...)
		last = b.Since
		return nil
	})
	return decoded(t, all), last, err
}

func transform(t *testing.T, tr component.Transform, docs ...string) ([]map[string]any, error) {
	t.Helper()
	out, err := tr.Transform(context.Background(), entities(docs...))
	if err != nil {
		return nil, err
	}
	return decoded(t, out), nil
}

func mustContain(t *testing.T, what, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Errorf("%s lacks %q:\n%s", what, p, s)
		}
	}
}
