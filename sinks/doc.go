// Package sinks holds sluice's sink types, one file each. Register adds them
// all to a registry.
package sinks

import "github.com/sluice-sync/sluice/component"

// Register adds every sink type in this package to r.
func Register(r *component.Registry) error {
	for _, s := range []component.Spec{datasetSpec, nullSpec, httpEndpointSpec} {
		if err := r.Register(s); err != nil {
			return err
		}
	}
	return nil
}
