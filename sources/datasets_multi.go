package sources

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
)

// DatasetNames is a list of dataset names, each checked where it is
// written.
type DatasetNames []string

// ConfigType names the shape in the configuration reference.
func (*DatasetNames) ConfigType() string { return "list of dataset names" }

// DecodeNode accepts a list of distinct, valid dataset names.
func (d *DatasetNames) DecodeNode(n *pipes.Node) pipes.Errors {
	var errs pipes.Errors
	if n.Kind != pipes.Array {
		errs.Add(n, "expected a list of dataset names, got %s", n.Describe())
		return errs
	}
	out := make(DatasetNames, 0, len(n.Items))
	for _, it := range n.Items {
		switch {
		case it == nil:
			errs.Add(n, "internal error: missing list item")
			continue
		case it.Kind != pipes.String:
			errs.Add(it, "expected a dataset name, got %s", it.Describe())
			continue
		case slices.Contains(out, it.Str):
			errs.Add(it, "dataset %q is listed twice", it.Str)
			continue
		}
		if err := store.CheckName(it.Str); err != nil {
			errs.Add(it, "%v", err)
			continue
		}
		out = append(out, it.Str)
	}
	*d = out
	return errs
}

// DatasetsConfig is what the sources reading several datasets share; its
// properties and their wording are Sesam's.
type DatasetsConfig struct {
	Datasets DatasetNames `json:"datasets" cfg:"required" doc:"the datasets to read"`
	// InitialDatasets nil means Datasets.
	InitialDatasets   *DatasetNames `json:"initial_datasets" doc:"the datasets that must be populated for the source to count as populated (for a dataset sink's set_initial_offset); by default all of datasets"`
	IgnoreNonExistent bool          `json:"ignore_non_existent_datasets" doc:"true: a dataset of initial_datasets that does not exist does not keep the source from being populated; false: it does, and each run logs a warning for every dataset that does not exist"`
	RequirePopulated  bool          `json:"require_populated_input" doc:"true: a run fails, reading nothing and changing nothing, until the datasets of initial_datasets (by default all of datasets) are populated"`
	IfSourceEmpty     string        `json:"if_source_empty" enum:"accept,fail" doc:"fail: a full run that reads no entities at all fails, leaving the sink untouched"`
}

// Validate checks what the tags cannot.
func (c *DatasetsConfig) Validate() error {
	if len(c.Datasets) == 0 {
		return &pipes.FieldError{Field: "datasets", Err: errors.New("datasets must name at least one dataset")}
	}
	return nil
}

// SourceDatasets names the datasets the source reads.
func (c *DatasetsConfig) SourceDatasets() []string { return slices.Clone(c.Datasets) }

var _ component.ReadsDataset = (*DatasetsConfig)(nil)

func defaultDatasetsConfig() DatasetsConfig {
	return DatasetsConfig{IgnoreNonExistent: true, IfSourceEmpty: "accept"}
}

// multiReader is what the sources reading several datasets share: the
// store, populated checks and warnings about datasets that do not exist.
type multiReader struct {
	cfg    *DatasetsConfig
	typ    string // the source type, for messages
	store  *store.Store
	logger *slog.Logger
}

func newMultiReader(typ string, c *DatasetsConfig, env component.Env) (multiReader, error) {
	if env.Store == nil {
		return multiReader{}, fmt.Errorf("the %s source needs a store", typ)
	}
	log := env.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return multiReader{cfg: c, typ: typ, store: env.Store, logger: log}, nil
}

func (m *multiReader) SupportsSince() bool { return true }

func (m *multiReader) initial() []string {
	if m.cfg.InitialDatasets != nil {
		return *m.cfg.InitialDatasets
	}
	return m.cfg.Datasets
}

// Populated: every dataset of initial_datasets is populated (one that does
// not exist counts as populated with ignore_non_existent_datasets).
func (m *multiReader) Populated() bool {
	for _, name := range m.initial() {
		info, ok := m.store.Dataset(name)
		if !ok && m.cfg.IgnoreNonExistent {
			continue
		}
		if !ok || !info.Populated {
			return false
		}
	}
	return true
}

// begin runs the checks made before a run reads anything, and returns
// where each dataset was read up to.
func (m *multiReader) begin(since string) (offsets, error) {
	pos, err := parseOffsets(since, m.cfg.Datasets)
	if err != nil {
		return nil, fmt.Errorf("%s source: %w", m.typ, err)
	}
	if m.cfg.RequirePopulated && !m.Populated() {
		return nil, fmt.Errorf("%s source: its input datasets are not all populated yet and require_populated_input is true", m.typ)
	}
	if !m.cfg.IgnoreNonExistent {
		for _, name := range m.cfg.Datasets {
			if _, ok := m.store.Dataset(name); !ok {
				m.logger.Warn("a dataset the source reads does not exist", "source", m.typ, "dataset", name)
			}
		}
	}
	return pos, nil
}

// empty is the error of a full run that read nothing with if_source_empty
// "fail".
func (m *multiReader) empty(seen int, since string) error {
	if seen == 0 && since == "" && m.cfg.IfSourceEmpty == "fail" {
		return fmt.Errorf("the datasets of the %s source hold no entities and if_source_empty is \"fail\"", m.typ)
	}
	return nil
}

// offsets is the continuation token of a source reading several datasets:
// the offset of the last version read in each, written as a JSON object
// in the order of "datasets" ({"men": 41, "women": 17}). A dataset it does
// not name is read from its start, so a dataset added to the config is
// read in full on the next run.
type offsets map[string]uint64

// parseOffsets reads a token written by offsets.String; entries for
// datasets no longer configured are dropped.
func parseOffsets(since string, names []string) (offsets, error) {
	pos := offsets{}
	if since == "" {
		return pos, nil
	}
	var raw map[string]json.Number
	dec := json.NewDecoder(bytes.NewReader([]byte(since)))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil || dec.More() {
		return nil, fmt.Errorf(`stored offset %q is not a JSON object of dataset offsets such as {"a": 12, "b": 7}`, since)
	}
	for name, n := range raw {
		off, err := strconv.ParseUint(n.String(), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("stored offset %q: the offset of dataset %q is not a whole number from 0", since, name)
		}
		if slices.Contains(names, name) {
			pos[name] = off
		}
	}
	return pos, nil
}

// from is the ReadOptions.From that resumes dataset name.
func (o offsets) from(name string) uint64 {
	if off, ok := o[name]; ok {
		return off + 1
	}
	return 0
}

// token writes the offsets in the order of names; "" when there are none.
func (o offsets) token(names []string) string {
	if len(o) == 0 {
		return ""
	}
	b := []byte{'{'}
	for _, name := range names {
		off, ok := o[name]
		if !ok {
			continue
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = appendJSONString(b, name)
		b = append(b, ':')
		b = strconv.AppendUint(b, off, 10)
	}
	return string(append(b, '}'))
}

// appendJSONString appends s as a JSON string, escaping only what JSON
// requires (encoding/json would also escape <, > and &).
func appendJSONString(b []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})...)
}
