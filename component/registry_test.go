package component

import (
	"strings"
	"testing"
)

type cfg struct{ N int }

func spec(kind Kind, typ string) Spec {
	return Typed(kind, typ, "doc", func() *cfg { return &cfg{N: 1} },
		func(c *cfg, _ Env) (Sink, error) { return nil, nil })
}

func TestRegistryRefusesEmptyAndDuplicates(t *testing.T) {
	r := NewRegistry()
	if err := r.Register(spec(KindSink, "")); err == nil || !strings.Contains(err.Error(), "empty type") {
		t.Fatalf("empty type: %v", err)
	}
	if err := r.Register(spec("", "x")); err == nil {
		t.Fatal("empty kind accepted")
	}
	if err := r.Register(spec(KindSink, "x")); err != nil {
		t.Fatal(err)
	}
	if err := r.Register(spec(KindSink, "x")); err == nil || !strings.Contains(err.Error(), "already registered") {
		t.Fatalf("duplicate: %v", err)
	}
	// The same name under another kind is a different component.
	if err := r.Register(spec(KindSource, "x")); err != nil {
		t.Fatal(err)
	}
	c, ok := r.NewConfig("sink", "x")
	if !ok || c.(*cfg).N != 1 {
		t.Fatalf("NewConfig = %v %v", c, ok)
	}
	if _, ok := r.NewConfig("sink", "y"); ok {
		t.Fatal("unknown type found")
	}
	if got := r.Types("sink"); strings.Join(got, ",") != "x" {
		t.Fatalf("Types = %v", got)
	}
}

func TestBuildChecksInterface(t *testing.T) {
	r := NewRegistry()
	r.MustRegister(Typed(KindSource, "wrong", "doc", func() *cfg { return &cfg{} },
		func(*cfg, Env) (int, error) { return 1, nil }))
	if _, err := Build[Source](r, KindSource, "wrong", &cfg{}, Env{}); err == nil || !strings.Contains(err.Error(), "not a source") {
		t.Fatalf("Build = %v", err)
	}
	if _, err := Build[Source](r, KindSource, "missing", &cfg{}, Env{}); err == nil || !strings.Contains(err.Error(), "unknown source type") {
		t.Fatalf("Build missing = %v", err)
	}
}
