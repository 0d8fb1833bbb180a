// Package component defines the contracts between the engine and the parts a
// pipe is built from — sources, transforms, sinks and systems — and the
// registry through which each part type makes itself known.
//
// It is a leaf of the dependency graph: the engine imports it, the component
// packages (sources, sinks, …) implement it, and neither of those imports
// the other.
package component
