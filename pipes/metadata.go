package pipes

// metadataDoc is Sesam's service metadata object ("type": "metadata"):
// settings for the whole config folder. sluice acts on the defaults pipes
// inherit and accepts the rest with a warning.
type metadataDoc struct {
	ID                    string          `json:"_id" type:"string" default:"required" doc:"the object's name, by convention \"node\""`
	Type                  string          `json:"type" type:"\"metadata\"" default:"required" doc:"marks the object as the service metadata"`
	NamespacedIdentifiers bool            `json:"namespaced_identifiers" doc:"the default of every pipe's namespaced_identifiers"`
	GlobalDefaults        *globalDefaults `json:"global_defaults" doc:"defaults for every pipe"`
}

// globalDefaults is the metadata's "global_defaults" object.
type globalDefaults struct {
	RunAtStartupIfNotPopulated bool `json:"run_at_startup_if_not_populated" doc:"the default of every pump's run_at_startup_if_not_populated"`
}

// SesamKeys lists the metadata properties accepted without effect.
func (*metadataDoc) SesamKeys() []string {
	return []string{"namespaces", "dependency_tracking", "comment", "name", "description", "task_manager", "pipes_defaults"}
}

// SesamKeys lists the global defaults accepted without effect.
func (*globalDefaults) SesamKeys() []string {
	return []string{"use_signalling_internally", "default_compaction_type", "compaction_interval", "compaction_keep_versions",
		"compaction_time_threshold_hours", "compaction_time_threshold_hours_pump", "compaction_growth_threshold",
		"max_entity_bytes_size", "infer_pipe_entity_types", "use_config_circuit_breaker", "reprocessing_policy",
		"rescan_when_config_changes", "enable_background_rescan", "eager_load_microservices", "symmetric_namespace_collapse",
		"max_merged", "always_index_ids", "if_source_empty", "require_populated_input", "trace", "enable_cpp_extensions",
		"use_persistent_scheduling", "worker_threads"}
}

// metadata applies a metadata object: only one may exist.
func (l *loader) metadata(n *Node) {
	if l.metadataNode != nil {
		l.errs.Add(n, "a second metadata object (the first is at %s); a config folder has one", l.metadataNode.Pos)
		return
	}
	l.metadataNode = n
	var doc metadataDoc
	errs := Decode(n, &doc)
	l.add(errs)
	if errs.HasErrors() {
		return
	}
	l.defaults.namespacedIdentifiers = doc.NamespacedIdentifiers
	if doc.GlobalDefaults != nil {
		l.defaults.runAtStartupIfNotPopulated = doc.GlobalDefaults.RunAtStartupIfNotPopulated
	}
}

// pipeDefaults are what pipes inherit from the metadata object.
type pipeDefaults struct {
	namespacedIdentifiers      bool
	runAtStartupIfNotPopulated bool
}

// ReferenceMetadata returns the metadata config struct for the generated
// configuration reference.
func ReferenceMetadata() any { return &metadataDoc{} }
