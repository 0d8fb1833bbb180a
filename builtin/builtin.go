// Package builtin is the list of sluice's built-in component types: adding
// a type to sluice is writing its file in a component package and adding
// its spec here. The command line builds its registry from this list; the
// engine knows only the component contracts.
package builtin

import (
	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/rest"
	"github.com/sluice-sync/sluice/sinks"
	"github.com/sluice-sync/sluice/sources"
	"github.com/sluice-sync/sluice/transforms"
	"github.com/sluice-sync/sluice/urlsys"
	"github.com/sluice-sync/sluice/webhooksink"
)

// Specs lists every built-in component type, grouped by family.
func Specs() []component.Spec {
	return []component.Spec{
		// Sources.
		sources.EmbeddedSpec,
		sources.DatasetSpec,
		sources.HTTPEndpointSpec,
		sources.UnionDatasetsSpec,
		sources.MergeDatasetsSpec,
		sources.MergeSpec,
		sources.DiffDatasetsSpec,
		sources.EmptySpec,
		rest.SourceSpec,
		urlsys.JSONSourceSpec,
		urlsys.CSVSourceSpec,
		component.ConditionalSpec(component.KindSource, "sources", `{"type": "conditional", "condition": "$ENV(node-env)", "alternatives": {"prod": {"type": "dataset", "dataset": "crm-customers"}, "test": {"type": "embedded", "entities": [{"_id": "1", "name": "Ada"}]}}}`),
		// Transforms.
		transforms.DTLSpec,
		transforms.EmitChildrenSpec,
		transforms.JSONSchemaSpec,
		rest.TransformSpec,
		urlsys.HTTPTransformSpec,
		component.ChainedSpec,
		transforms.TemplateSpec,
		component.ConditionalSpec(component.KindTransform, "transforms", `{"type": "conditional", "condition": "$ENV(node-env)", "alternatives": {"prod": {"type": "dtl", "rules": {"default": [["copy", "*"]]}}, "test": [{"type": "dtl", "rules": {"default": [["copy", "*"], ["add", "test", true]]}}]}}`),
		// Sinks.
		sinks.DatasetSpec,
		sinks.NullSpec,
		sinks.HTTPEndpointSpec,
		sinks.CSVEndpointSpec,
		rest.SinkSpec,
		webhooksink.SinkSpec,
		urlsys.JSONSinkSpec,
		component.ConditionalSpec(component.KindSink, "sinks", `{"type": "conditional", "condition": "$ENV(node-env)", "alternatives": {"prod": {"type": "dataset", "dataset": "customers"}, "test": {"type": "null"}}}`),
		// Systems.
		rest.SystemSpec,
		urlsys.SystemSpec,
	}
}

// Registry returns a registry holding every built-in type.
func Registry() *component.Registry {
	r := component.NewRegistry()
	r.MustRegister(Specs()...)
	return r
}
