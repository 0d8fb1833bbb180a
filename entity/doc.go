// Package entity holds what sluice knows about entities as raw JSON: reading
// their reserved properties, hashing their content, and building the stored
// form a dataset keeps for each version.
//
// Entities stay raw JSON bytes between components: most stages only copy
// them, and parsing them into Go values for every hop would dominate the cost
// of a pipe. Helpers here read single properties with gjson instead.
package entity
