package dtl

import "github.com/sluice-sync/sluice/pipes"

func init() {
	RegisterFunc(&Func{
		Name: "literal", Family: "misc", Args: "VALUE(any{1})",
		Doc:     "Returns its argument as written, without evaluating it: a way to write a literal list or a string that looks like a path.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["literal", ["upper", "a"]]`, Want: `["upper", "a"]`},
			{Expr: `["literal", "_S.name"]`, Want: `"_S.name"`},
		},
		Check: func([]*pipes.Node) error { return nil },
		Lazy: func(c *Ctx, args []Expr) (Value, error) {
			return args[0].Eval(c) // compiled as a constant; see literalArg
		},
	})
	RegisterFunc(&Func{
		Name: "list", Family: "lists", Args: "VALUES(value-expression{>=0})",
		Doc:     "Builds a list of its arguments' values.",
		MinArgs: 0, MaxArgs: -1,
		Examples: []Example{
			{Expr: `["list", 1, "a", ["list"]]`, Want: `[1, "a", []]`},
			{Expr: `["list"]`, Want: `[]`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			return append(make(List, 0, len(args)), args...), nil
		},
	})
	RegisterFunc(&Func{
		Name: "if", Family: "conditionals", Args: "CONDITION(boolean-expression{1}), THEN(value-expression{1}), ELSE(value-expression{0|1})",
		Doc:     "Returns THEN when CONDITION is true, else ELSE (or null). Only the branch taken is evaluated.",
		MinArgs: 2, MaxArgs: 3,
		Examples: []Example{
			{Expr: `["if", ["eq", 1, 1], "yes", "no"]`, Want: `"yes"`},
			{Expr: `["if", ["list"], "yes"]`, Want: `null`},
		},
		Lazy: func(c *Ctx, args []Expr) (Value, error) {
			v, err := args[0].Eval(c)
			if err != nil {
				return nil, err
			}
			if Truthy(v) {
				return args[1].Eval(c)
			}
			if len(args) == 3 {
				return args[2].Eval(c)
			}
			return nil, nil
		},
	})
	RegisterFunc(&Func{
		Name: "case", Family: "conditionals", Args: "(CONDITION(boolean-expression{1}), THEN(value-expression{1}))+, ELSE(value-expression{0|1})",
		Doc:     "Returns the THEN of the first true CONDITION, else ELSE (or null).",
		MinArgs: 2, MaxArgs: -1,
		Examples: []Example{
			{Expr: `["case", ["gt", 5, 10], "big", ["gt", 5, 1], "medium", "small"]`, Want: `"medium"`},
		},
		Lazy: func(c *Ctx, args []Expr) (Value, error) {
			return firstBranch(c, args, Truthy)
		},
	})
	RegisterFunc(&Func{
		Name: "case-eq", Family: "conditionals", Args: "VALUE(value-expression{1}), (VALUE_N(value-expression{1}), THEN(value-expression{1}))+, ELSE(value-expression{0|1})",
		Doc:     "Returns the THEN of the first VALUE_N equal to VALUE, else ELSE (or null).",
		MinArgs: 3, MaxArgs: -1,
		Examples: []Example{
			{Expr: `["case-eq", "SE", "NO", "Norway", "SE", "Sweden", "Other"]`, Want: `"Sweden"`},
			{Expr: `["case-eq", "DK", "NO", "Norway", "SE", "Sweden"]`, Want: `null`},
		},
		Lazy: func(c *Ctx, args []Expr) (Value, error) {
			subject, err := args[0].Eval(c)
			if err != nil {
				return nil, err
			}
			return firstBranch(c, args[1:], func(v Value) bool { return Equal(AsList(subject), AsList(v)) })
		},
	})
	RegisterFunc(&Func{
		Name: "apply", Family: "misc", Args: "RULE(string{1}), VALUES(value-expression{1})",
		Doc:     "Runs the named rule with each value of VALUES as its source (_S) and returns the targets; values the rule filters out are left out. Inside the rule, _P is this context.",
		MinArgs: 2, MaxArgs: 2,
		Check: func(args []*pipes.Node) error {
			if args[0].Kind != pipes.String {
				return errorString("RULE must be a rule name")
			}
			return nil
		},
		Examples: []Example{
			{Rules: `{"default": [], "order": [["add", "id", "_S.n"], ["filter", ["gt", "_S.n", 1]]]}`,
				Expr: `["apply", "order", ["list", {"n": 1}, {"n": 2}]]`, Want: `[{"id": 2}]`},
		},
		Lazy: func(c *Ctx, args []Expr) (Value, error) {
			name, _ := args[0].Eval(c)
			vals, err := args[1].Eval(c)
			if err != nil {
				return nil, err
			}
			s, _ := name.(string)
			return c.apply(s, vals)
		},
	})
}

// firstBranch evaluates pairs of TEST, THEN and returns the THEN of the
// first test that matches, else the trailing ELSE (or null). Only what is
// needed is evaluated.
func firstBranch(c *Ctx, args []Expr, matches func(Value) bool) (Value, error) {
	for len(args) >= 2 {
		v, err := args[0].Eval(c)
		if err != nil {
			return nil, err
		}
		if matches(v) {
			return args[1].Eval(c)
		}
		args = args[2:]
	}
	if len(args) == 1 {
		return args[0].Eval(c)
	}
	return nil, nil
}

type errorString string

func (e errorString) Error() string { return string(e) }

func init() {
	for _, trip := range []bool{false, true} {
		name, doc := "fail!", "Fails the entity with MESSAGE; usable wherever a value is expected."
		if trip {
			name, doc = "trip!", "Stops the pipe run at once with MESSAGE; usable wherever a value is expected."
		}
		RegisterFunc(&Func{
			Name: name, Family: "misc", Args: "MESSAGE(value-expression{0|1})", Doc: doc,
			MinArgs: 0, MaxArgs: 1,
			Examples: []Example{{Expr: `["if", true, "ok", ["` + name + `", "never evaluated"]]`, Want: `"ok"`}},
			Eval: func(c *Ctx, args []Value) (Value, error) {
				a := failAction{trip: trip}
				if len(args) == 1 {
					a.msg = constExpr{args[0]}
				}
				return nil, a.Exec(c)
			},
		})
	}
}
