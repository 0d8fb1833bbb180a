package engine

import (
	"slices"
	"strings"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/pipes"
)

// relatedDatasets lists the datasets whose completeness a run of the pipe
// inherits: those its source reads and those its DTL hops into, less
// exclude_completeness, or only include_completeness when it is set.
func relatedDatasets(pc *pipes.Pipe) []string {
	var names []string
	if c, ok := pc.Source.Config.(component.ReadsDataset); ok {
		names = append(names, c.SourceDatasets()...)
	}
	for _, tc := range pc.Transforms {
		if c, ok := tc.Config.(component.ReadsDataset); ok {
			names = append(names, c.SourceDatasets()...)
		}
		names = append(names, hopDatasets(tc.Node)...)
	}
	if pc.IncludeCompleteness != nil {
		names = slices.Clone(pc.IncludeCompleteness)
	}
	names = slices.DeleteFunc(names, func(n string) bool { return slices.Contains(pc.ExcludeCompleteness, n) })
	slices.Sort(names)
	return slices.Compact(names)
}

// hopDatasets finds the datasets named by ["hops", {"datasets": [...]}]
// expressions in a transform's config ("dataset-id alias" strings).
func hopDatasets(n *pipes.Node) []string {
	var out []string
	n.Walk(func(x *pipes.Node) bool {
		if x.Kind != pipes.Array || len(x.Items) < 2 || x.Items[0] == nil || x.Items[0].Kind != pipes.String || x.Items[0].Str != "hops" {
			return true
		}
		for _, spec := range x.Items[1:] {
			if spec == nil {
				continue
			}
			ds := spec.Get("datasets")
			if ds == nil {
				continue
			}
			items := ds.Items
			if ds.Kind == pipes.String {
				items = []*pipes.Node{ds}
			}
			for _, it := range items {
				if it != nil && it.Kind == pipes.String {
					if f := strings.Fields(it.Str); len(f) > 0 {
						out = append(out, f[0])
					}
				}
			}
		}
		return true
	})
	return out
}

// inheritedCompleteness is the completeness a successful run gives its
// sink dataset, read when the run starts (entities written upstream later
// are not covered by it): the smallest of the related datasets', the
// run's start for a pipe that reads no dataset (or excludes them all);
// ok is false when a related dataset has none yet.
// upstream is what the sink records of the datasets above it: each related
// dataset's completeness and, through them, the smallest seen of theirs.
func (e *Engine) inheritedCompleteness(pc *pipes.Pipe, start int64) (ts int64, upstream map[string]int64, ok bool) {
	names := relatedDatasets(pc)
	if len(names) == 0 {
		return start, nil, true
	}
	upstream = map[string]int64{}
	see := func(name string, c int64) {
		if old, seen := upstream[name]; !seen || c < old {
			upstream[name] = c
		}
	}
	for i, name := range names {
		info, _ := e.store.Dataset(name)
		if info.Completeness == 0 {
			return 0, nil, false
		}
		if i == 0 || info.Completeness < ts {
			ts = info.Completeness
		}
		see(name, info.Completeness)
		for k, c := range info.Upstream {
			see(k, c)
		}
	}
	return ts, upstream, true
}
