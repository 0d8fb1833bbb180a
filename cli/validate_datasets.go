package cli

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
)

// datasetRef is a dataset a pipe reads, and where the config names it.
type datasetRef struct {
	name string
	node *pipes.Node
}

// readDatasets lists the datasets a pipe's source reads by name, each at
// the source's "dataset" property, or its item of "datasets", if it has one.
func readDatasets(p *pipes.Pipe) []datasetRef {
	c, ok := p.Source.Config.(component.ReadsDataset)
	if !ok {
		return nil
	}
	n := p.Source.Node.Get("dataset")
	if n == nil {
		n = p.Source.Node
	}
	var refs []datasetRef
	for _, name := range c.SourceDatasets() {
		at := n
		if list := p.Source.Node.Get("datasets"); list != nil {
			if i := slices.IndexFunc(list.Items, func(it *pipes.Node) bool { return it != nil && it.Str == name }); i >= 0 {
				at = list.Items[i]
			}
		}
		refs = append(refs, datasetRef{name, at})
	}
	return refs
}

// writtenDataset names the dataset a pipe's sink writes, or "".
func writtenDataset(p *pipes.Pipe) string {
	if c, ok := p.Sink.Config.(component.WritesDataset); ok {
		return c.SinkDataset()
	}
	return ""
}

// datasetWarnings warns about each dataset a source reads that no pipe
// writes and the data folder does not hold: most likely a typo, which
// would otherwise only show as a pipe that never reads anything. system:
// datasets are the engine's own and are left out.
func (a *app) datasetWarnings(cfg *pipes.Config, dataDir string) pipes.Errors {
	var written []string
	for _, p := range cfg.Pipes {
		if d := writtenDataset(p); d != "" && !slices.Contains(written, d) {
			written = append(written, d)
		}
	}
	slices.Sort(written)
	var unwritten []datasetRef
	for _, p := range cfg.Pipes {
		for _, ref := range readDatasets(p) {
			if ref.name != "" && !slices.Contains(written, ref.name) && !isSystemDataset(ref.name) {
				unwritten = append(unwritten, ref)
			}
		}
	}
	if len(unwritten) == 0 {
		return nil // the data folder is not even looked at
	}
	held, err := a.heldDatasets(dataDir)
	var warnings pipes.Errors
	for _, ref := range unwritten {
		hint := pipes.Suggest(ref.name, written)
		switch {
		case errors.Is(err, store.ErrLocked):
			warnings.Warn(ref.node, "no pipe writes dataset %q%s; the data folder %s is in use by a running sluice, so whether it holds the dataset was not checked", ref.name, hint, dataDir)
		case err != nil:
			warnings.Warn(ref.node, "no pipe writes dataset %q%s; whether the data folder holds it was not checked: %v", ref.name, hint, err)
		case !held[ref.name]:
			warnings.Warn(ref.node, "no pipe writes dataset %q and the data folder %s does not hold it%s", ref.name, dataDir, hint)
		}
	}
	warnings.Sort()
	return warnings
}

func isSystemDataset(name string) bool {
	return strings.HasPrefix(name, "system:")
}

// heldDatasets lists the datasets in the data folder without creating
// anything: a folder that does not exist, or holds no store, holds no
// datasets. A folder another process holds gives store.ErrLocked.
func (a *app) heldDatasets(dir string) (map[string]bool, error) {
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST")); errors.Is(err, fs.ErrNotExist) {
		return map[string]bool{}, nil
	} else if err != nil {
		return nil, err
	}
	st, err := store.Open(dir, a.storeOptions())
	if err != nil {
		return nil, err
	}
	defer st.Close()
	held := map[string]bool{}
	for _, info := range st.Datasets() {
		held[info.Name] = true
	}
	return held, nil
}
