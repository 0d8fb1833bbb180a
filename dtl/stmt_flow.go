package dtl

import (
	"time"

	"github.com/sluice-sync/sluice/pipes"
)

// ifAction runs then or else by a condition.
type ifAction struct {
	cond       Expr
	then, els_ []Action
}

func (a *ifAction) Exec(c *Ctx) error {
	v, err := a.cond.Eval(c)
	if err != nil {
		return err
	}
	if Truthy(v) {
		return execAll(c, a.then)
	}
	return execAll(c, a.els_)
}

func execAll(c *Ctx, as []Action) error {
	for _, a := range as {
		if err := a.Exec(c); err != nil {
			return err
		}
	}
	return nil
}

func compileIf(cp *Compiler, n *pipes.Node, args []*pipes.Node) (Action, error) {
	if len(args) < 2 || len(args) > 3 {
		return nil, pipes.Errorf(n, "if takes CONDITION, THEN and optional ELSE, got %d arguments", len(args))
	}
	a := &ifAction{cond: cp.Expr(args[0]), then: cp.Actions(args[1])}
	if len(args) == 3 {
		a.els_ = cp.Actions(args[2])
	}
	return a, nil
}

// caseAction runs the first branch whose test matches (case: a true
// condition; case-eq: a value equal to the subject).
type caseAction struct {
	subject Expr // case-eq only
	tests   []Expr
	thens   [][]Action
	els_    []Action
}

func (a *caseAction) Exec(c *Ctx) error {
	var subject Value
	if a.subject != nil {
		v, err := a.subject.Eval(c)
		if err != nil {
			return err
		}
		subject = v
	}
	for i, t := range a.tests {
		v, err := t.Eval(c)
		if err != nil {
			return err
		}
		if (a.subject == nil && Truthy(v)) || (a.subject != nil && Equal(AsList(subject), AsList(v))) {
			return execAll(c, a.thens[i])
		}
	}
	return execAll(c, a.els_)
}

func compileCase(eq bool) func(cp *Compiler, n *pipes.Node, args []*pipes.Node) (Action, error) {
	return func(cp *Compiler, n *pipes.Node, args []*pipes.Node) (Action, error) {
		a := &caseAction{}
		if eq {
			if len(args) < 1 {
				return nil, pipes.Errorf(n, "case-eq takes VALUE, then pairs of VALUE_N and THEN, and an optional ELSE")
			}
			a.subject = cp.Expr(args[0])
			args = args[1:]
		}
		if len(args) < 2 {
			return nil, pipes.Errorf(n, "%s needs at least one pair of test and THEN", n.Items[0].Str)
		}
		for len(args) >= 2 {
			a.tests = append(a.tests, cp.Expr(args[0]))
			a.thens = append(a.thens, cp.Actions(args[1]))
			args = args[2:]
		}
		if len(args) == 1 {
			a.els_ = cp.Actions(args[0])
		}
		return a, nil
	}
}

// stopAction is filter and discard: unless the condition holds, stop the
// rule and drop (discard) or mark as filtered (filter) the target.
type stopAction struct {
	cond Expr
	stop error
}

func (a *stopAction) Exec(c *Ctx) error {
	if a.cond != nil {
		v, err := a.cond.Eval(c)
		if err != nil {
			return err
		}
		if Truthy(v) {
			return nil
		}
	}
	return a.stop
}

func compileStop(stop error) func(cp *Compiler, n *pipes.Node, args []*pipes.Node) (Action, error) {
	return func(cp *Compiler, n *pipes.Node, args []*pipes.Node) (Action, error) {
		if len(args) > 1 {
			return nil, pipes.Errorf(n, "%s takes an optional UNLESS_CONDITION, got %d arguments", n.Items[0].Str, len(args))
		}
		a := &stopAction{stop: stop}
		if len(args) == 1 {
			a.cond = cp.Expr(args[0])
		}
		return a, nil
	}
}

type noAction struct{}

func (noAction) Exec(*Ctx) error { return nil }

// failAction fails the entity (fail!) or the whole run (trip!) with a
// message.
type failAction struct {
	msg  Expr
	trip bool
}

// ErrTripped marks an error from trip!: the pipe run stops, not just the
// entity.
type ErrTripped struct{ Msg string }

func (e *ErrTripped) Error() string { return "tripped: " + e.Msg }

func (a *failAction) Exec(c *Ctx) error {
	msg := "failed"
	if a.msg != nil {
		v, err := a.msg.Eval(c)
		if err != nil {
			return err
		}
		if s, ok := v.(string); ok {
			msg = s
		} else {
			msg = string(EncodeJSON(v))
		}
	}
	if a.trip {
		return &RuntimeError{Err: &ErrTripped{Msg: msg}}
	}
	return &RuntimeError{Msg: msg}
}

func compileFail(trip bool) func(cp *Compiler, n *pipes.Node, args []*pipes.Node) (Action, error) {
	return func(cp *Compiler, n *pipes.Node, args []*pipes.Node) (Action, error) {
		if len(args) > 1 {
			return nil, pipes.Errorf(n, "%s takes an optional MESSAGE, got %d arguments", n.Items[0].Str, len(args))
		}
		a := &failAction{trip: trip}
		if len(args) == 1 {
			a.msg = cp.Expr(args[0])
		}
		return a, nil
	}
}

// maxSleep bounds sleep! so a rule cannot stall a pipe indefinitely.
const maxSleep = time.Minute

// sleepAction pauses for a number of seconds (sleep!).
type sleepAction struct{ secs Expr }

func (a *sleepAction) Exec(c *Ctx) error {
	v, err := a.secs.Eval(c)
	if err != nil {
		return err
	}
	d, ok := secondsOf(First(v))
	if !ok {
		return Errorf("sleep! needs a number of seconds, got %s", EncodeJSON(v))
	}
	d = min(d, maxSleep)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-c.Context().Done():
		return c.Context().Err()
	}
}

// secondsOf converts a non-negative number of seconds to a duration.
func secondsOf(v Value) (time.Duration, bool) {
	switch x := v.(type) {
	case int64:
		if x < 0 {
			return 0, false
		}
		return time.Duration(min(x, int64(maxSleep/time.Second))) * time.Second, true
	case float64:
		if x < 0 || x != x {
			return 0, false
		}
		return time.Duration(min(x, maxSleep.Seconds()) * float64(time.Second)), true
	}
	return 0, false
}

func compileSleep(cp *Compiler, n *pipes.Node, args []*pipes.Node) (Action, error) {
	if len(args) != 1 {
		return nil, pipes.Errorf(n, "sleep! takes SECONDS, got %d arguments", len(args))
	}
	return &sleepAction{secs: cp.Expr(args[0])}, nil
}

// createAction emits dicts with an _id as extra entities (create) or adds
// them to the target's $children (create-child).
type createAction struct {
	values Expr
	child  bool
}

func (a *createAction) Exec(c *Ctx) error {
	v, err := a.values.Eval(c)
	if err != nil {
		return err
	}
	var children List
	for _, x := range AsList(v) {
		d, ok := x.(*Dict)
		if !ok || !hasStringID(d) {
			if c.run.prog.opts.IDRequired {
				return Errorf("%s: each value must be an entity with a string _id, got %s", a.name(), EncodeJSON(x))
			}
			continue
		}
		if a.child {
			children = append(children, d)
			continue
		}
		c.run.created = append(c.run.created, d)
	}
	if len(children) > 0 {
		old, _ := c.T.Get("$children")
		c.T.Set("$children", append(append(List{}, AsList(old)...), children...))
	}
	return nil
}

func (a *createAction) name() string {
	if a.child {
		return "create-child"
	}
	return "create"
}

func compileCreate(child bool) func(cp *Compiler, n *pipes.Node, args []*pipes.Node) (Action, error) {
	return func(cp *Compiler, n *pipes.Node, args []*pipes.Node) (Action, error) {
		if len(args) != 1 {
			return nil, pipes.Errorf(n, "%s takes one VALUES argument, got %d", n.Items[0].Str, len(args))
		}
		return &createAction{values: cp.Expr(args[0]), child: child}, nil
	}
}
