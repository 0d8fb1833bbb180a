package pipes_test

import (
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/sinks"
)

const conditionalPipe = `{"_id": "p", "type": "pipe",
  "source": {"type": "conditional", "condition": "$ENV(node-env)", "alternatives": {
    "prod": {"type": "dataset", "dataset": "crm"},
    "test": {"type": "embedded", "entities": [{"_id": "1"}]},
    "dev": {"type": "sql", "table": "x"}}},
  "sink": {"type": "conditional", "condition": "$ENV(node-env)", "alternatives": {
    "prod": {"type": "dataset", "dataset": "out"},
    "test": {"type": "null"},
    "dev": {"type": "null"}}}}`

func TestConditionalPicksTheAlternative(t *testing.T) {
	dir := writeConfig(t, map[string]string{"p.json": conditionalPipe})
	for env, want := range map[string][2]string{"prod": {"dataset", "dataset"}, "test": {"embedded", "null"}} {
		cfg, problems := load(t, dir, map[string]string{"node-env": env})
		if len(problems) > 0 {
			t.Fatalf("%s: %v", env, problems)
		}
		p := cfg.Pipe("p")
		if p.Source.Type != want[0] || p.Sink.Type != want[1] {
			t.Errorf("node-env=%s: source %q sink %q, want %q %q", env, p.Source.Type, p.Sink.Type, want[0], want[1])
		}
		// The alternative not chosen that uses an unknown type is a
		// warning, placed at its type.
		var warned bool
		for _, w := range cfg.Warnings {
			if strings.Contains(w.Error(), `/source/alternatives/dev/type: warning: alternative "dev" (not chosen): source type "sql" is a Sesam type that sluice does not have`) {
				warned = true
			}
		}
		if !warned {
			t.Errorf("node-env=%s: no warning about the dev alternative; warnings: %v", env, cfg.Warnings)
		}
	}
}

func TestConditionalProblems(t *testing.T) {
	dir := writeConfig(t, map[string]string{"p.json": conditionalPipe})
	// The chosen alternative's problems are errors.
	_, problems := load(t, dir, map[string]string{"node-env": "dev"})
	wantProblems(t, dir, problems, `p.json:5:21: /source/alternatives/dev/type: source type "sql" is a Sesam type that sluice does not have (source types: "conditional", "dataset", "embedded", "http_endpoint")`)

	_, problems = load(t, dir, map[string]string{"node-env": "staging"})
	wantProblems(t, dir, problems,
		`p.json:2:50: /source/condition: condition is "staging", which names no alternative (alternatives: "dev", "prod", "test")`,
		`p.json:6:48: /sink/condition: condition is "staging", which names no alternative`)

	dir = writeConfig(t, map[string]string{"p.json": `{"_id": "p", "type": "pipe",
  "source": {"type": "conditional", "condition": "a", "alternatives": {"a": [{"type": "embedded", "entities": []}, {"type": "embedded", "entities": []}]}}}`})
	_, problems = load(t, dir, nil)
	wantProblems(t, dir, problems, `/source: a conditional source stands for exactly one source, not 2`)

	dir = writeConfig(t, map[string]string{"p.json": `{"_id": "p", "type": "pipe",
  "source": {"type": "conditional", "alternatives": {}}}`})
	_, problems = load(t, dir, nil)
	wantProblems(t, dir, problems, `/source: missing required property "condition"`)
}

func TestUnbuiltTypesAreExplained(t *testing.T) {
	dir := writeConfig(t, map[string]string{"p.json": `[
{"_id": "k", "type": "pipe", "source": {"type": "kafka", "system": "m"}},
{"_id": "m", "type": "system:microservice", "docker": {"image": "x"}},
{"_id": "e", "type": "pipe", "source": {"type": "embedded", "entities": []}, "sink": {"type": "elasticsearch"}}
]`})
	_, problems := load(t, dir, nil)
	wantProblems(t, dir, problems,
		`p.json:2:49: /0/source/type: source type "kafka" is a Sesam type that sluice does not have (source types: "conditional", "dataset", "embedded", "http_endpoint")`,
		`p.json:3:22: /1/type: system type "system:microservice" runs a Docker container inside Sesam, which sluice does not do: run the service yourself and point a "system:url" or "system:rest" at its address (system types: none)`,
		`p.json:4:95: /2/sink/type: sink type "elasticsearch" is a Sesam type that sluice does not have (sink types: "conditional", "dataset", "http_endpoint", "null")`)
}

func TestMetadataDefaults(t *testing.T) {
	dir := writeConfig(t, map[string]string{
		// The pipes come before the metadata in file order, and still
		// inherit from it.
		"a.json": `[{"_id": "p", "type": "pipe", "source": {"type": "embedded", "entities": []}},
		  {"_id": "q", "type": "pipe", "namespaced_identifiers": false, "pump": {"run_at_startup_if_not_populated": false}, "source": {"type": "embedded", "entities": []}}]`,
		"z.json": `{"_id": "node", "type": "metadata", "namespaced_identifiers": true,
		  "global_defaults": {"run_at_startup_if_not_populated": true, "use_signalling_internally": true},
		  "namespaces": {"default": {"ex": "http://example.org/"}}}`,
	})
	cfg, problems := load(t, dir, nil)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	p, q := cfg.Pipe("p"), cfg.Pipe("q")
	if !p.Namespaces.Enabled || !p.Pump.RunAtStartupIfNotPopulated {
		t.Errorf("pipe p did not inherit the metadata defaults: %+v %+v", p.Namespaces, p.Pump)
	}
	if q.Namespaces.Enabled || q.Pump.RunAtStartupIfNotPopulated {
		t.Errorf("pipe q's own settings lost to the metadata: %+v %+v", q.Namespaces, q.Pump)
	}
	var got []string
	for _, w := range cfg.Warnings {
		got = append(got, w.Msg)
	}
	want := `property "use_signalling_internally" is accepted for Sesam compatibility but has no effect in sluice` + "\n" +
		`property "namespaces" is accepted for Sesam compatibility but has no effect in sluice`
	if strings.Join(got, "\n") != want {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}

	dir = writeConfig(t, map[string]string{
		"a.json": `{"_id": "node", "type": "metadata"}`,
		"b.json": `{"_id": "node2", "type": "metadata", "namespaced_identifiers": "yes"}`,
	})
	_, problems = load(t, dir, nil)
	wantProblems(t, dir, problems, `b.json:1:1: a second metadata object (the first is at `)
}

func TestLegacyDashedKeys(t *testing.T) {
	dir := writeConfig(t, map[string]string{"p.json": `[
{"_id": "p", "type": "pipe", "source": {"type": "embedded", "entities": []},
 "sink": {"type": "dataset", "set-initial-offset": "onload", "deletion-tracking": false}, "pump": {"max-read-retries": 2}},
{"_id": "q", "type": "pipe", "source": {"type": "embedded", "entities": []},
 "sink": {"type": "dataset", "set-initial-offset": "never", "set_initial_offset": "onload"}}]`})
	cfg, problems := load(t, dir, nil)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	if sink := cfg.Pipe("p").Sink.Config.(*sinks.DatasetConfig); sink.SetInitialOffset != "onload" || sink.DeletionTracking {
		t.Errorf("the dashed keys were not read: %+v", sink)
	}
	if sink := cfg.Pipe("q").Sink.Config.(*sinks.DatasetConfig); sink.SetInitialOffset != "onload" {
		t.Errorf("the dashed key won over the current one: %+v", sink)
	}
	var got []string
	for _, w := range cfg.Warnings {
		got = append(got, w.Msg)
	}
	want := []string{
		`"set-initial-offset" is an old spelling of "set_initial_offset"; sluice reads it as that`,
		`"deletion-tracking" is an old spelling of "deletion_tracking"; sluice reads it as that`,
		`property "max-read-retries" is accepted for Sesam compatibility but has no effect in sluice`,
		`"set-initial-offset" is an old spelling of "set_initial_offset", which is set too; sluice uses "set_initial_offset"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
