package dtl

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Expr is a compiled value expression.
type Expr interface {
	Eval(c *Ctx) (Value, error)
}

// Action is a compiled statement.
type Action interface {
	Exec(c *Ctx) error
}

// Ctx is the evaluation context of one rule invocation: the source and
// target entities, the parent and root contexts, and "_" inside function
// expressions. It is cheap to copy; WithItem copies it to bind "_".
type Ctx struct {
	S    Value // _S: the source entity (normally a *Dict)
	T    *Dict // _T: the target entity
	P    *Ctx  // _P: the parent context inside apply; nil at the root
	R    *Ctx  // _R: the root context
	B    Value // _B: request parameters of a publisher, or nil
	Item Value // _ : the current item of a function expression

	aliases *aliasBinding // dataset aliases bound inside hops

	run *runState
}

// runState is shared by all contexts of one entity's evaluation.
type runState struct {
	prog    *Program
	ctx     context.Context
	steps   int
	depth   int
	now     time.Time
	created []*Dict
	stack   []Value
	root    Ctx // the default rule's context, allocated with the state
}

// Limits that bound the work for one entity, so no rule can hang a pipe.
const (
	maxSteps      = 10_000_000
	maxApplyDepth = 200
)

// ErrBudget is returned when one entity needs more evaluation steps than
// the limit allows (a runaway recursion or an enormous range).
var ErrBudget = errors.New("evaluation step limit exceeded")

// WithItem returns a copy of c with "_" bound to v.
func (c *Ctx) WithItem(v Value) *Ctx {
	n := *c
	n.Item = v
	return &n
}

// EvalWith evaluates e with "_" bound to v: the way functions taking a
// FUNCTION argument call it per item.
func (c *Ctx) EvalWith(e Expr, v Value) (Value, error) {
	n := *c
	n.Item = v
	return e.Eval(&n)
}

// Now is the evaluation's notion of the current time: fixed for one
// entity, so "now" is the same everywhere in a rule.
func (c *Ctx) Now() time.Time {
	if c.run.now.IsZero() {
		c.run.now = time.Now().UTC()
	}
	return c.run.now
}

// Context is the Go context of the run, for functions that wait or do I/O.
func (c *Ctx) Context() context.Context {
	if c.run.ctx == nil {
		return context.Background()
	}
	return c.run.ctx
}

// Program returns the program being run (for apply and hops).
func (c *Ctx) Program() *Program { return c.run.prog }

// Step counts n units of work against the per-entity budget. Functions
// that loop over sizes the input chooses (range, string padding) call it.
func (c *Ctx) Step(n int) error {
	c.run.steps += n
	if c.run.steps > maxSteps {
		return ErrBudget
	}
	return nil
}

// Errorf makes a runtime error that fails the entity, e.g. a bad argument
// that the reference says is an error rather than something to drop.
func Errorf(format string, args ...any) error {
	return &RuntimeError{Msg: fmt.Sprintf(format, args...)}
}

// RuntimeError is an error raised while running a rule. The program adds
// the rule name; the transform adds the pipe and the entity _id.
type RuntimeError struct {
	Pipe, Rule, EntityID string
	Msg                  string
	Err                  error
}

func (e *RuntimeError) Error() string {
	s := ""
	if e.Pipe != "" {
		s += "pipe " + e.Pipe + ": "
	}
	if e.Rule != "" {
		s += "rule " + e.Rule + ": "
	}
	if e.EntityID != "" {
		s += fmt.Sprintf("entity %q: ", e.EntityID)
	}
	if e.Err != nil {
		if e.Msg != "" {
			return s + e.Msg + ": " + e.Err.Error()
		}
		return s + e.Err.Error()
	}
	return s + e.Msg
}

func (e *RuntimeError) Unwrap() error { return e.Err }
