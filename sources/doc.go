// Package sources holds sluice's source types, one file each. Their specs
// are listed in package builtin.
package sources
