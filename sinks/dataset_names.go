package sinks

import "github.com/sluice-sync/sluice/component"

var _ component.WritesDataset = (*DatasetConfig)(nil)

// SinkDataset names the dataset the sink writes.
func (c *DatasetConfig) SinkDataset() string { return c.Dataset }
