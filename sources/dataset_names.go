package sources

import "github.com/sluice-sync/sluice/component"

var _ component.ReadsDataset = (*DatasetConfig)(nil)

// SourceDatasets names the dataset the source reads.
func (c *DatasetConfig) SourceDatasets() []string { return []string{c.Dataset} }
