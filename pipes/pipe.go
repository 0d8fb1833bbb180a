package pipes

import (
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// pipeDoc is the JSON shape of a pipe; components stay nodes until their
// type is known.
type pipeDoc struct {
	ID                  string         `json:"_id" type:"string, no /" default:"required" doc:"the pipe's name, unique across the config folder"`
	Type                string         `json:"type" type:"\"pipe\"" default:"required" doc:"marks the object as a pipe"`
	Name                string         `json:"name" doc:"a human-readable name"`
	Description         StringOrList   `json:"description" doc:"free text"`
	Comment             StringOrList   `json:"comment" doc:"free text"`
	Source              *Node          `json:"source" cfg:"required" type:"object" doc:"where the entities come from; see [Sources](sources.md)"`
	Transform           *Node          `json:"transform" type:"object or list of objects" doc:"applied in order; see [Transforms](transforms.md)"`
	Sink                *Node          `json:"sink" type:"object" default:"a dataset sink writing the dataset named after the pipe" doc:"where the entities go; see [Sinks](sinks.md)"`
	Pump                Pump           `json:"pump" type:"object" default:"scheduled" doc:"when the pipe runs; see Pump below"`
	Metadata            map[string]any `json:"metadata" type:"object" doc:"free-form"`
	BatchSize           *int           `json:"batch_size" type:"integer ≥ 1" default:"the sink's own (1 for a rest sink, the webhook sink's batch_size), 1000 with a dataset sink, else 100" doc:"source entities per batch: each batch goes through the transforms into the sink, and the offset moves after it"`
	DisableSetLastSeen  bool           `json:"disable_set_last_seen" doc:"protects the pipe from having its offset reset"`
	ExcludeCompleteness []string       `json:"exclude_completeness" doc:"datasets left out when a run sets its sink dataset's completeness timestamp"`
	IncludeCompleteness *[]string      `json:"include_completeness" type:"list of strings" default:"the datasets the source reads and the DTL hops into" doc:"only these datasets (less exclude_completeness) set the sink dataset's completeness timestamp"`

	NamespacedIdentifiers bool           `json:"namespaced_identifiers" default:"false, or the metadata object's namespaced_identifiers" doc:"DTL's namespace-aware functions qualify the names they write (see [the DTL guide](../dtl.md))"`
	Namespaces            *namespacesDoc `json:"namespaces" default:"both the pipe's _id" doc:"the namespaces for _id values and property names"`
	AddNamespaces         *bool          `json:"add_namespaces" type:"boolean" default:"true with namespaced_identifiers and an embedded, csv, http_endpoint or json source, else false" doc:"qualify _id and properties before the first transform"`
	RemoveNamespaces      *bool          `json:"remove_namespaces" type:"boolean" default:"true with namespaced_identifiers and a csv_endpoint, rest, http_endpoint or json sink, else false" doc:"strip namespaces from _id, properties and namespaced-identifier values after the last transform"`
}

// namespacesDoc is the pipe's "namespaces" object.
type namespacesDoc struct {
	Identity string `json:"identity" default:"the pipe's _id" doc:"the namespace of _id values"`
	Property string `json:"property" default:"the pipe's _id" doc:"the namespace of property names"`
}

// sourcesAddingNamespaces are the source types whose add_namespaces
// defaults to true when namespaced identifiers are on, and
// sinksRemovingNamespaces the sink types whose remove_namespaces does
// (Sesam's lists, restricted to the types sluice has).
var (
	sourcesAddingNamespaces = map[string]bool{"embedded": true, "csv": true, "http_endpoint": true, "json": true}
	sinksRemovingNamespaces = map[string]bool{"csv_endpoint": true, "rest": true, "http_endpoint": true, "json": true}
)

// namespaces works out the pipe's namespace settings and their defaults.
func (d *pipeDoc) namespaces(sourceType, sinkType string) Namespaces {
	ns := Namespaces{Enabled: d.NamespacedIdentifiers, Identity: d.ID, Property: d.ID}
	if d.Namespaces != nil {
		if d.Namespaces.Identity != "" {
			ns.Identity = d.Namespaces.Identity
		}
		if d.Namespaces.Property != "" {
			ns.Property = d.Namespaces.Property
		}
	}
	ns.Add = ns.Enabled && sourcesAddingNamespaces[sourceType]
	if d.AddNamespaces != nil {
		ns.Add = *d.AddNamespaces
	}
	ns.Remove = ns.Enabled && sinksRemovingNamespaces[sinkType]
	if d.RemoveNamespaces != nil {
		ns.Remove = *d.RemoveNamespaces
	}
	return ns
}

// Validate checks what the decoder cannot.
func (d *pipeDoc) Validate() error {
	if d.BatchSize != nil && *d.BatchSize < 1 {
		return &FieldError{Field: "batch_size", Err: errors.New("batch_size must be at least 1")}
	}
	return nil
}

func (l *loader) pipe(n *Node) *Pipe {
	doc := pipeDoc{NamespacedIdentifiers: l.defaults.namespacedIdentifiers}
	doc.Pump.RunAtStartupIfNotPopulated = l.defaults.runAtStartupIfNotPopulated
	errs := Decode(n, &doc)
	l.add(errs)
	// Go on to the components even after errors, so every problem is
	// reported in one go.
	ok := !errs.HasErrors() && doc.Source != nil
	p := &Pipe{
		ID: doc.ID, Name: doc.Name, Description: doc.Description, Comment: doc.Comment,
		Pump: doc.Pump, Metadata: doc.Metadata, DisableSetLastSeen: doc.DisableSetLastSeen, Node: n,
		ExcludeCompleteness: doc.ExcludeCompleteness,
	}
	if doc.IncludeCompleteness != nil {
		p.IncludeCompleteness = *doc.IncludeCompleteness
		if p.IncludeCompleteness == nil {
			p.IncludeCompleteness = []string{}
		}
	}
	if doc.BatchSize != nil {
		p.BatchSize = *doc.BatchSize
	}
	if doc.Source != nil {
		srcs, sok := l.expanded("source", doc.Source, p.ID, 0)
		ok = ok && sok
		if len(srcs) == 1 {
			p.Source = srcs[0]
		}
	}
	if doc.Transform != nil {
		items := []*Node{doc.Transform}
		if doc.Transform.Kind == Array {
			items = doc.Transform.Items
		}
		for _, item := range items {
			ts, tok := l.expanded("transform", item, p.ID, 0)
			ok = ok && tok
			p.Transforms = append(p.Transforms, ts...)
		}
	}
	if doc.Sink != nil {
		sinks, sok := l.expanded("sink", doc.Sink, p.ID, 0)
		ok = ok && sok
		if len(sinks) == 1 {
			p.Sink = sinks[0]
		}
	} else {
		p.Sink = l.defaultSink(n, p.ID)
	}
	p.Namespaces = doc.namespaces(p.Source.Type, p.Sink.Type)
	if !ok {
		return nil
	}
	return p
}

// defaultSink is Sesam's default: a dataset sink writing to the dataset
// named after the pipe.
func (l *loader) defaultSink(pipe *Node, id string) Component {
	cfg, ok := l.opts.Types.NewConfig("sink", "dataset")
	if !ok {
		l.errs.Add(pipe, "the pipe has no sink and no dataset sink type is registered")
		return Component{}
	}
	if d, ok := cfg.(PipeDefaulter); ok {
		d.PipeDefaults(id)
	}
	return Component{Type: "dataset", Config: cfg}
}

// genericKeys are accepted on every component and not passed to its type.
var genericKeys = map[string]bool{"type": true, "comment": true, "name": true, "description": true}

// kindSesamKeys are properties Sesam documents for every component of a
// kind; a type that does not read one accepts it with a warning.
var kindSesamKeys = map[string][]string{
	"source":    {"supports_since", "is_since_comparable", "is_chronological", "if_source_empty", "initial_since_value", "supports_signalling", "completeness"},
	"transform": {"side_effects", "trigger_on", "if_transform_empty"},
}

// KindSesamKeys lists the properties every component of a kind accepts as
// Sesam's (for the tests that compare sluice with Sesam's documentation).
func KindSesamKeys(kind string) []string { return slices.Clone(kindSesamKeys[kind]) }

// hasField reports whether the config struct cfg points to reads key.
func hasField(cfg any, key string) bool {
	t := reflect.TypeOf(cfg)
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return false
	}
	return slices.ContainsFunc(Fields(t.Elem()), func(f Field) bool { return f.Name == key })
}

// DecodeComponent decodes one component config — an object with a "type",
// as it would stand in a pipe — on its own (for "sluice dtl run").
func DecodeComponent(types ComponentTypes, kind string, n *Node) (Component, error) {
	l := &loader{opts: Options{Types: types}}
	c, ok := l.component(kind, n, "")
	if !ok || l.errs.HasErrors() {
		l.errs.Sort()
		return c, l.errs
	}
	return c, nil
}

// component decodes one source, transform or sink by its "type".
func (l *loader) component(kind string, n *Node, pipeID string) (Component, bool) {
	if n.Kind != Object {
		l.errs.Add(n, "a %s is a JSON object, not %s", kind, n.Describe())
		return Component{}, false
	}
	typ := n.Get("type")
	switch {
	case typ == nil && kind == "sink":
		// Sesam's default: a sink without a type is a dataset sink.
		typ = &Node{Kind: String, Str: "dataset", Pos: n.Pos, Pointer: n.Pointer + "/type"}
	case typ == nil:
		l.errs.Add(n, `missing required property "type"`)
		return Component{}, false
	case typ.Kind != String:
		l.errs.Add(typ, "expected a string, got %s", typ.Describe())
		return Component{}, false
	}
	cfg, ok := l.opts.Types.NewConfig(kind, typ.Str)
	if !ok {
		l.errs.Add(typ, "%s", unknownType(kind, typ.Str, l.opts.Types.Types(kind)))
		return Component{}, false
	}
	drop := genericKeys
	if keys := kindSesamKeys[kind]; len(keys) > 0 {
		drop = maps.Clone(genericKeys)
		for _, k := range keys {
			if m := n.Get(k); m != nil && !hasField(cfg, k) {
				l.errs.Warn(m, "%s", SesamWarning(k))
				drop[k] = true
			}
		}
	}
	errs := Decode(withoutKeys(n, drop), cfg)
	l.add(errs)
	if d, ok := cfg.(PipeDefaulter); ok && pipeID != "" {
		d.PipeDefaults(pipeID)
	}
	return Component{Type: typ.Str, Config: cfg, Node: n}, !errs.HasErrors()
}

func (l *loader) system(n *Node, kind string) *System {
	typ := n.Get("type")
	cfg, ok := l.opts.Types.NewConfig("system", kind)
	if !ok {
		l.errs.Add(typ, "%s", unknownType("system", kind, l.opts.Types.Types("system")))
		// Pipes using it need not say it is missing.
		l.brokenSystems = append(l.brokenSystems, n.Get("_id").Str)
		return nil
	}
	for _, k := range systemSesamKeys {
		if m := n.Get(k); m != nil {
			l.errs.Warn(m, "%s", SesamWarning(k))
		}
	}
	errs := Decode(withoutKeys(n, systemGenericKeys), cfg)
	l.add(errs)
	if errs.HasErrors() {
		// Its problems are reported; pipes using it need not say it is missing.
		if id := n.Get("_id"); id != nil {
			l.brokenSystems = append(l.brokenSystems, id.Str)
		}
		return nil
	}
	s := &System{ID: n.Get("_id").Str, Kind: kind, Component: Component{Type: kind, Config: cfg, Node: n}, Node: n}
	if name := n.Get("name"); name != nil && name.Kind == String {
		s.Name = name.Str
	}
	return s
}

// systemGenericKeys are accepted on every system and not passed to its
// type; systemSesamKeys are those among them with no effect in sluice.
var (
	systemSesamKeys   = []string{"worker_threads", "permissions"}
	systemGenericKeys = map[string]bool{"_id": true, "type": true, "name": true, "description": true, "comment": true, "metadata": true, "worker_threads": true, "permissions": true}
)

// withoutKeys is a shallow copy of an object node without some members.
func withoutKeys(n *Node, drop map[string]bool) *Node {
	c := *n
	c.Members = slices.DeleteFunc(slices.Clone(n.Members), func(m Member) bool { return drop[m.Key] })
	return &c
}

func knownList(types []string) string {
	if len(types) == 0 {
		return "none"
	}
	return `"` + strings.Join(types, `", "`) + `"`
}

func prefixed(prefix string, s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = prefix + v
	}
	return out
}

// SesamKeys lists the Sesam properties pipeDoc accepts without effect.
func (*pipeDoc) SesamKeys() []string {
	return []string{"checkpoint_interval", "enable_background_rescan", "infer_pipe_entity_types", "dependency_tracking", "compaction", "circuit_breakers",
		"permissions", "rescan_when_config_changes", "worker_threads", "use_persistent_scheduling", "reprocessing_policy"}
}

// ReferenceConfigs returns the pipe and pump config structs, holding their
// defaults, for the generated configuration reference.
func ReferenceConfigs() (pipe, pump any) { return &pipeDoc{}, &Pump{} }
