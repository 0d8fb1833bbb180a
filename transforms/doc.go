// Package transforms holds the built-in transform types: "dtl" (rules
// compiled by package dtl) and "emit_children". Their specs are listed in
// package builtin.
package transforms
