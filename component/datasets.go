package component

// ReadsDataset is a source config that reads datasets by name, so that
// checks across pipes (a dataset no pipe writes) need not know its type.
type ReadsDataset interface {
	SourceDatasets() []string
}

// WritesDataset is a sink config that writes a dataset, named by
// SinkDataset once the config is decoded.
type WritesDataset interface {
	SinkDataset() string
}
