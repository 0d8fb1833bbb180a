package pipes_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/sinks"
	"github.com/sluice-sync/sluice/sources"
)

func registry(t *testing.T) *component.Registry {
	t.Helper()
	r := component.NewRegistry()
	r.MustRegister(sources.EmbeddedSpec, sources.DatasetSpec, sources.HTTPEndpointSpec, sinks.DatasetSpec, sinks.NullSpec, sinks.HTTPEndpointSpec,
		component.ConditionalSpec(component.KindSource, "sources", "{}"), component.ConditionalSpec(component.KindSink, "sinks", "{}"))
	return r
}

// writeConfig makes a config folder from file name → content.
func writeConfig(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func load(t *testing.T, dir string, env map[string]string) (*pipes.Config, pipes.Errors) {
	t.Helper()
	lookup := func(name string) (string, bool) { v, ok := env[name]; return v, ok }
	cfg, err := pipes.Load(dir, pipes.Options{Types: registry(t), Env: lookup, Secrets: func(name string) (string, bool) {
		return lookup("secret:" + name)
	}})
	var problems pipes.Errors
	if err != nil && !errors.As(err, &problems) {
		t.Fatalf("Load: %v", err)
	}
	return cfg, problems
}

// wantProblems checks that each problem text appears, in order, with the
// folder prefix stripped.
func wantProblems(t *testing.T, dir string, got pipes.Errors, want ...string) {
	t.Helper()
	var lines []string
	for _, p := range got {
		lines = append(lines, strings.TrimPrefix(p.Error(), filepath.ToSlash(dir)+"/"))
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(lines), len(want), strings.Join(lines, "\n"))
	}
	for i := range want {
		if !strings.Contains(lines[i], want[i]) {
			t.Errorf("problem %d = %q\nwant it to contain %q", i, lines[i], want[i])
		}
	}
}

func TestSeed004StrayBrace(t *testing.T) {
	seed, err := os.ReadFile("testdata/seed004/registerwebhook.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := writeConfig(t, map[string]string{"registerwebhook.json": string(seed)})
	_, problems := load(t, dir, nil)
	wantProblems(t, dir, problems, `registerwebhook.json:23:1: /source/entities: invalid character '}' after array element`)
}

func TestLoadValidPipeAndDefaults(t *testing.T) {
	dir := writeConfig(t, map[string]string{
		"a.json": `{"_id": "orders", "type": "pipe", "source": {"type": "embedded", "entities": [{"_id": "1"}]},
		            "pump": {"cron_expression": "0 * * * *", "run_at_startup": true}}`,
		"sub/b.json": `[{"_id": "orders-copy", "type": "pipe", "batch_size": 10,
		                 "source": {"type": "dataset", "dataset": "orders"}, "sink": {"type": "dataset", "dataset": "copy", "deletion_tracking": false}}]`,
		".hidden/x.json":  `not json`,
		"testdata/y.json": `not json`,
		"notes.txt":       `not json either`,
	})
	cfg, problems := load(t, dir, nil)
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	if len(cfg.Pipes) != 2 || cfg.Pipes[0].ID != "orders" || cfg.Pipes[1].ID != "orders-copy" {
		t.Fatalf("pipes = %+v", cfg.Pipes)
	}
	orders := cfg.Pipe("orders")
	if orders.Sink.Type != "dataset" || orders.Sink.Config.(*sinks.DatasetConfig).Dataset != "orders" {
		t.Fatalf("default sink = %+v", orders.Sink)
	}
	if sc := orders.Sink.Config.(*sinks.DatasetConfig); !sc.DeletionTracking || sc.SetInitialOffset != "if-source-populated" {
		t.Fatalf("dataset sink defaults = %+v", sc)
	}
	if !orders.Pump.RunAtStartup || orders.Pump.CronExpression != "0 * * * *" {
		t.Fatalf("pump = %+v", orders.Pump)
	}
	cp := cfg.Pipe("orders-copy")
	if cp.BatchSize != 10 || cp.Sink.Config.(*sinks.DatasetConfig).DeletionTracking || cp.Sink.Config.(*sinks.DatasetConfig).Dataset != "copy" {
		t.Fatalf("orders-copy = %+v %+v", cp, cp.Sink.Config)
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	dir := writeConfig(t, map[string]string{
		"1.json": `{"_id": "a/b", "type": "pipe", "source": {"type": "embedded", "entities": []}}`,
		"2.json": `{"_id": "dup", "type": "pipe", "source": {"type": "embedded", "entities": []}}`,
		"3.json": `{"_id": "dup", "type": "pipe", "source": {"type": "embedded", "entities": []}}`,
		"4.json": `{"_id": "p4", "type": "pipe", "sourc": {}}`,
		"5.json": `{
  "_id": "p5",
  "type": "pipe",
  "source": {"type": "embeded", "entities": []},
  "sink": {"type": "dataset", "dataset": "system:x", "deletion_tracking": "yes"},
  "pump": {"mode": "sometimes", "cron_expression": "every day"}
}`,
		"6.json": `{"_id": "p6", "type": "pipe", "source": {"type": "embedded", "entities": [{"_id": 7}, 3]}, "batch_size": 1.5}`,
		"7.json": `{"_id": "s", "type": "system:nosuch"}`,
		"8.json": `{"_id": "x", "type": "widget"}`,
		"9.json": `[1]`,
	})
	_, problems := load(t, dir, nil)
	wantProblems(t, dir, problems,
		`1.json:1:9: /_id: _id "a/b" contains "/"`,
		`3.json:1:9: /_id: duplicate _id "dup" (first defined at `,
		`4.json:1:1: missing required property "source"`,
		`4.json:1:40: /sourc: unknown property "sourc" (did you mean "source"?)`,
		`5.json:4:22: /source/type: unknown source type "embeded" (did you mean "embedded"? known: "conditional", "dataset", "embedded", "http_endpoint")`,
		`5.json:5:75: /sink/deletion_tracking: expected a boolean, got a string`,
		`5.json:6:20: /pump/mode: mode must be "scheduled", "manual" or "off", not "sometimes"`,
		`5.json:6:52: /pump/cron_expression: bad cron expression`,
		`6.json:1:83: /source/entities/0/_id: an entity's "_id" is a non-empty string`,
		`6.json:1:87: /source/entities/1: an entity is a JSON object, not 3`,
		`6.json:1:106: /batch_size: expected an integer`,
		`7.json:1:22: /type: unknown system type "system:nosuch"`,
		`8.json:1:22: /type: unknown config type "widget"`,
		`9.json:1:2: /0: expected a config object, got 1`,
	)
}

func TestSinkDatasetRules(t *testing.T) {
	dir := writeConfig(t, map[string]string{
		"p.json": `{"_id": "p", "type": "pipe", "source": {"type": "embedded", "entities": []},
		            "sink": {"type": "dataset", "dataset": "system:pump", "set_initial_offset": "later"}}`,
	})
	_, problems := load(t, dir, nil)
	wantProblems(t, dir, problems,
		`/sink/dataset: dataset "system:pump": a sink cannot write to a system: dataset`,
		`/sink/set_initial_offset: set_initial_offset must be one of`)
}

func TestEnvAndSecrets(t *testing.T) {
	dir := writeConfig(t, map[string]string{
		"p.json": `{"_id": "p", "type": "pipe", "comment": "$ENV(greeting), $ENV(name)!",
		  "source": {"type": "embedded", "entities": "$ENV(entities)"},
		  "sink": {"type": "dataset", "dataset": "$SECRET(ds)"}}`,
	})
	env := map[string]string{"greeting": "Hello", "name": "world", "entities": `[{"_id": "from-env"}]`, "secret:ds": "hidden-dataset"}
	cfg, problems := load(t, dir, env)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	p := cfg.Pipe("p")
	if got := strings.Join(p.Comment, ""); got != "Hello, world!" {
		t.Errorf("comment = %q", got)
	}
	if got := p.Source.Config.(*sources.EmbeddedConfig).Entities; len(got) != 1 || string(got[0]) != `{"_id":"from-env"}` {
		t.Errorf("entities from $ENV = %s", got)
	}
	if got := p.Sink.Config.(*sinks.DatasetConfig).Dataset; got != "hidden-dataset" {
		t.Errorf("dataset = %q", got)
	}
	if got := cfg.Redact("writing to hidden-dataset failed"); got != "writing to *** failed" {
		t.Errorf("Redact = %q", got)
	}

	_, problems = load(t, dir, map[string]string{"greeting": "Hi"})
	wantProblems(t, dir, problems,
		`/comment: environment variable "name" is not set`,
		`/source/entities: environment variable "entities" is not set`,
		`/sink/dataset: secret "ds" is not set (set the environment variable SLUICE_SECRET_ds or put it in the --secrets file)`)
}

func TestSesamKeysWarn(t *testing.T) {
	dir := writeConfig(t, map[string]string{
		"p.json": `{"_id": "p", "type": "pipe", "namespaced_identifiers": true, "checkpoint_interval": 5,
		  "source": {"type": "embedded", "entities": []}, "pump": {"max_read_retries": 3}}`,
	})
	cfg, problems := load(t, dir, nil)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	var got []string
	for _, w := range cfg.Warnings {
		got = append(got, w.Msg)
	}
	want := []string{
		`property "checkpoint_interval" is accepted for Sesam compatibility but has no effect in sluice`,
		`property "max_read_retries" is accepted for Sesam compatibility but has no effect in sluice`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestPipeNamespaces(t *testing.T) {
	dir := writeConfig(t, map[string]string{
		"a.json": `{"_id": "a", "type": "pipe", "namespaced_identifiers": true,
		  "source": {"type": "embedded", "entities": []}}`,
		"b.json": `{"_id": "b", "type": "pipe", "namespaced_identifiers": true, "namespaces": {"identity": "i", "property": "p"},
		  "remove_namespaces": true, "source": {"type": "dataset", "dataset": "a"}}`,
		"c.json": `{"_id": "c", "type": "pipe", "source": {"type": "embedded", "entities": []}}`,
	})
	cfg, problems := load(t, dir, nil)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	want := map[string]pipes.Namespaces{
		"a": {Enabled: true, Identity: "a", Property: "a", Add: true},
		"b": {Enabled: true, Identity: "i", Property: "p", Remove: true},
		"c": {Identity: "c", Property: "c"},
	}
	for _, p := range cfg.Pipes {
		if p.Namespaces != want[p.ID] {
			t.Errorf("pipe %s: namespaces %+v, want %+v", p.ID, p.Namespaces, want[p.ID])
		}
	}
}
