package dtl

import (
	"context"

	"github.com/sluice-sync/sluice/pipes"
)

// Subset is a subset expression of a dataset source or of a hops alias:
// ["eq", EXPR, VALUE], where EXPR is evaluated with _S bound to an entity
// and matches, as eq does in joins, when it shares a value with VALUE.
type Subset struct {
	expr  Expr
	value Value
}

// CompileSubset compiles ["eq", EXPR, VALUE].
func CompileSubset(n *pipes.Node) (*Subset, error) {
	cp := &Compiler{}
	s := cp.subset(n)
	if cp.errs.HasErrors() {
		return nil, cp.errs
	}
	return s, nil
}

func (cp *Compiler) subset(n *pipes.Node) *Subset {
	if n.Kind != pipes.Array || len(n.Items) != 3 || n.Items[0].Kind != pipes.String || n.Items[0].Str != "eq" {
		cp.Errorf(n, "a subset is [\"eq\", EXPRESSION, VALUE], e.g. [\"eq\", \"_S.category\", \"tank\"]; got %s", n.Describe())
		return nil
	}
	value, ok := cp.Expr(n.Items[2]).(constExpr)
	if !ok {
		cp.Errorf(n.Items[2], "the subset's VALUE must be a constant")
		return nil
	}
	return &Subset{expr: cp.Expr(n.Items[1]), value: value.v}
}

// Matches reports whether entity e is in the subset.
func (s *Subset) Matches(ctx context.Context, e *Dict) (bool, error) {
	v, err := EvalExpr(ctx, joinEq{s.expr, constExpr{s.value}}, e, nil)
	return v == true, err
}

// matches is Matches inside an evaluation.
func (s *Subset) matches(c *Ctx, e *Dict) (bool, error) {
	n := *c
	n.S = e
	v, err := joinEq{s.expr, constExpr{s.value}}.Eval(&n)
	return v == true, err
}
