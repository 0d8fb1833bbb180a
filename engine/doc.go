// Package engine runs pipes: it builds each pipe's source, transforms and
// sink from the loaded config, and pumps entities through them batch by
// batch, committing each batch with the pipe's new offset.
package engine
