package builtin

import (
	"bytes"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/pipes"
)

// page is one file of the generated configuration reference.
type page struct {
	file, title, intro string
	kind               component.Kind // "" for the pipe page
}

var pages = []page{
	{file: "pipes.md", title: "Pipes", intro: `A pipe is a config object with ` + "`\"type\": \"pipe\"`" + `: a source, transforms and a sink, and a pump that says when it runs. See [the configuration guide](../configuration.md) for how config folders are loaded and checked, and the other reference pages for each component type.`},
	{file: "sources.md", title: "Sources", kind: component.KindSource, intro: "A pipe's `source` says where its entities come from. Its `type` picks one of the types below."},
	{file: "transforms.md", title: "Transforms", kind: component.KindTransform, intro: "A pipe's `transform` (one object or a list, applied in order) reshapes the entities between source and sink. Its `type` picks one of the types below."},
	{file: "sinks.md", title: "Sinks", kind: component.KindSink, intro: "A pipe's `sink` says where its entities go; without one, a pipe writes the dataset named after it. Its `type` picks one of the types below."},
	{file: "systems.md", title: "Systems", kind: component.KindSystem, intro: "A system is a config object of its own, with `\"type\": \"system:<kind>\"` and an `_id` that components name in their `system` property: a connection several pipes share."},
}

// pipeSections documents the pipe and pump objects, which the config
// loader owns.
func pipeSections() []component.Section {
	pipe, pump := pipes.ReferenceConfigs()
	return []component.Section{
		{Title: "Pipe", Doc: "The pipe object.", Config: pipe,
			Example: `{"_id": "crm-customers", "type": "pipe", "source": {"type": "dataset", "dataset": "crm-raw"}, "transform": {"type": "dtl", "rules": {"default": [["copy", "*"]]}}, "pump": {"cron_expression": "0 * * * *"}}`},
		{Title: "Pump", Doc: "A pipe's `pump` object: when it runs. The scheduler runs with the service (`sluice run`).", Config: pump,
			Example: `{"mode": "scheduled", "schedule_interval": 60, "run_at_startup": true}`},
		{Title: "Metadata", Doc: "An optional config object with `\"type\": \"metadata\"` (Sesam's service metadata): defaults every pipe inherits unless it sets its own. A config folder has at most one.", Config: pipes.ReferenceMetadata(),
			Example: `{"_id": "node", "type": "metadata", "namespaced_identifiers": true, "global_defaults": {"run_at_startup_if_not_populated": true}}`},
	}
}

// Reference renders every page of the configuration reference, by file
// name under docs/reference.
func Reference() (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, p := range pages {
		var sections []component.Section
		if p.kind == "" {
			sections = pipeSections()
		}
		for _, s := range Specs() {
			if s.Kind == p.kind {
				sections = append(sections, component.SpecSection(s))
			}
		}
		var b bytes.Buffer
		if err := component.WriteReference(&b, p.title, p.intro, sections); err != nil {
			return nil, err
		}
		out[p.file] = b.Bytes()
	}
	return out, nil
}
