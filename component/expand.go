package component

import (
	"fmt"

	"github.com/sluice-sync/sluice/pipes"
)

// Expanding is the spec of a type whose config stands for other components
// (a pipes.Expander, such as a conditional or a template): the config
// loader replaces it with what it expands to, so it is never built.
func Expanding[C any, P interface {
	*C
	pipes.Expander
}](kind Kind, typ, doc string, defaults func() P) Spec {
	return Spec{
		Kind:      kind,
		Type:      typ,
		Doc:       doc,
		NewConfig: func() any { return defaults() },
		Build: func(any, Env) (any, error) {
			return nil, fmt.Errorf("a %s %s is replaced when the config loads and is never built", typ, kind)
		},
	}
}

// ConditionalSpec is Sesam's "conditional" component of a kind: the
// alternative its condition names stands in its place.
func ConditionalSpec(kind Kind, plural, example string) Spec {
	return Expanding(kind, "conditional",
		fmt.Sprintf("Uses one of several %s, chosen by the value of `condition` when the config loads — typically `$ENV(node-env)`, so one config serves development, test and production. The alternatives not chosen are checked too; their problems are warnings, so an alternative may use a type only another environment has.", plural),
		func() *pipes.Conditional { return &pipes.Conditional{} }).WithExample(example)
}

// ChainedSpec is Sesam's "chained" transform: a list of transforms that
// stands in its place.
var ChainedSpec = Expanding(KindTransform, "chained",
	"A list of transforms standing as one, applied in order: the same as listing them in the pipe's `transform`.",
	func() *pipes.Chained { return &pipes.Chained{} }).
	WithExample(`{"type": "chained", "transforms": [{"type": "dtl", "rules": {"default": [["copy", "*"]]}}, {"type": "dtl", "rules": {"default": [["copy", "*"], ["add", "checked", true]]}}]}`)
