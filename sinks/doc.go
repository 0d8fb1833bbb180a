// Package sinks holds sluice's sink types, one file each. Their specs are
// listed in package builtin.
package sinks
