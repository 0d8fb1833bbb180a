// Package sources holds sluice's source types, one file each. Register adds
// them all to a registry.
package sources

import "github.com/sluice-sync/sluice/component"

// Register adds every source type in this package to r.
func Register(r *component.Registry) error {
	for _, s := range []component.Spec{embeddedSpec, datasetSpec, httpEndpointSpec} {
		if err := r.Register(s); err != nil {
			return err
		}
	}
	return nil
}
