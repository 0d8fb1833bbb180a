// Package transforms holds the built-in transform types: "dtl" (rules
// compiled by package dtl) and "emit_children".
package transforms

import "github.com/sluice-sync/sluice/component"

// Register adds the built-in transform types to r.
func Register(r *component.Registry) error {
	for _, s := range []component.Spec{dtlSpec, emitChildrenSpec} {
		if err := r.Register(s); err != nil {
			return err
		}
	}
	return nil
}
