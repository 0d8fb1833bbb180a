package sinks

import "github.com/sluice-sync/sluice/component"

var _ component.WritesDataset = (*DatasetConfig)(nil)

// SinkDataset names the dataset the sink writes.
func (c *DatasetConfig) SinkDataset() string { return c.Dataset }

var _ component.WritesDataset = (*HTTPEndpointConfig)(nil)

// PipeDefaults records the pipe's _id: the dataset the publisher writes.
func (c *HTTPEndpointConfig) PipeDefaults(pipeID string) { c.dataset = pipeID }

// SinkDataset names the dataset the publisher writes: its pipe's.
func (c *HTTPEndpointConfig) SinkDataset() string { return c.dataset }
