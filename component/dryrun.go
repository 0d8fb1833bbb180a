package component

import "context"

type dryRunKey struct{}

// WithDryRun marks ctx as a dry run: components must not change anything
// outside sluice (no side-effecting requests) and report, through show,
// what they would have done. The engine also changes no datasets and no
// offsets in a dry run.
func WithDryRun(ctx context.Context, show func(line string)) context.Context {
	return context.WithValue(ctx, dryRunKey{}, show)
}

// DryRun reports whether ctx is a dry run, and where to report to.
func DryRun(ctx context.Context) (show func(line string), ok bool) {
	show, ok = ctx.Value(dryRunKey{}).(func(string))
	return show, ok
}
