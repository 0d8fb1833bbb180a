package dtl

// Nulls: the reference page dtl-functions-nulls, plus is-empty and
// is-not-empty (listed under comparisons in the older reference guide).

func init() {
	// coalesce: only null counts as null here; an empty list (or a list
	// holding null) is a value, as coalesce-args's reference examples say.
	// Nested lists are not flattened.
	RegisterFunc(&Func{
		Name: "coalesce", Family: "nulls",
		Args:    "FUNCTION(function-expression{0|1}), VALUES(value-expression{1})",
		Doc:     "The first value in VALUES that is not null, or with FUNCTION the first value that makes FUNCTION true (evaluated with \"_\" bound to each value). Null when there is none.",
		MinArgs: 1, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["coalesce", "_S.tags"]`, Source: `{"tags": [null, "a", "b"]}`, Want: `"a"`},
			{Expr: `["coalesce", ["gt", "_.expenses", 1000], "_S.hobbies"]`,
				Source: `{"hobbies": [{"name": "golf", "expenses": 500}, {"name": "sailing", "expenses": 5000}, {"name": "polo", "expenses": 9000}]}`,
				Want:   `{"name": "sailing", "expenses": 5000}`},
			{Expr: `["coalesce", ["list", null, null]]`, Want: `null`},
			{Expr: `["coalesce", 5]`, Want: `5`},
			{Expr: `["coalesce", null]`, Want: `null`},
			{Expr: `["coalesce", ["list", null, ["list"], 1]]`, Want: `[]`},
		},
		Lazy: func(c *Ctx, args []Expr) (Value, error) {
			vals, err := args[len(args)-1].Eval(c)
			if err != nil {
				return nil, err
			}
			for _, v := range AsList(vals) {
				if len(args) == 1 {
					if v != nil {
						return v, nil
					}
					continue
				}
				r, err := c.EvalWith(args[0], v)
				if err != nil {
					return nil, err
				}
				if Truthy(r) {
					return v, nil
				}
			}
			return nil, nil
		},
	})

	RegisterFunc(&Func{
		Name: "coalesce-args", Family: "nulls",
		Args:    "VALUES(value-expression{>=1})",
		Doc:     "The first argument that is not null. Arguments are evaluated in order and evaluation stops at the first non-null one; an empty list is not null.",
		MinArgs: 1, MaxArgs: -1,
		Examples: []Example{
			{Expr: `["coalesce-args", "_S.one", "_S.two", "_S.three"]`, Source: `{"two": 2, "three": 3}`, Want: `2`},
			{Expr: `["coalesce-args", null, null, 123, 236]`, Want: `123`},
			{Expr: `["coalesce-args", null, ["list"], 123, 236]`, Want: `[]`},
			{Expr: `["coalesce-args", null, "_S.missing"]`, Want: `null`},
			{Expr: `["coalesce-args", 1, ["fail!", "never evaluated"]]`, Want: `1`},
		},
		Lazy: func(c *Ctx, args []Expr) (Value, error) {
			for _, a := range args {
				v, err := a.Eval(c)
				if err != nil {
					return nil, err
				}
				if v != nil {
					return v, nil
				}
			}
			return nil, nil
		},
	})

	// if-null evaluates FALLBACK-VALUE only when it is needed.
	RegisterFunc(&Func{
		Name: "if-null", Family: "nulls",
		Args:    "VALUE(value-expression{1}), FALLBACK-VALUE(value-expression{1})",
		Doc:     "VALUE, unless is-null is true for it (null, an empty list, or a list whose first element is null); then FALLBACK-VALUE.",
		MinArgs: 2, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["if-null", null, 2]`, Want: `2`},
			{Expr: `["if-null", 1, 2]`, Want: `1`},
			{Expr: `["if-null", ["list", null], 2]`, Want: `2`},
			{Expr: `["if-null", ["list", null, 123], 2]`, Want: `2`},
			{Expr: `["if-null", ["list", 1, "12345"], 2]`, Want: `[1, "12345"]`},
			{Expr: `["if-null", ["list"], "none"]`, Want: `"none"`},
			{Expr: `["if-null", "x", ["fail!", "never evaluated"]]`, Want: `"x"`},
		},
		Lazy: func(c *Ctx, args []Expr) (Value, error) {
			v, err := args[0].Eval(c)
			if err != nil {
				return nil, err
			}
			if !isNull(v) {
				return v, nil
			}
			return args[1].Eval(c)
		},
	})

	RegisterFunc(&Func{
		Name: "is-null", Family: "nulls",
		Args:    "VALUES(value-expression{1})",
		Doc:     "True if VALUES is null, an empty list, or a list whose first element is null.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["is-null", null]`, Want: `true`},
			{Expr: `["is-null", 1]`, Want: `false`},
			{Expr: `["is-null", ["list"]]`, Want: `true`},
			{Expr: `["is-null", ["list", null]]`, Want: `true`},
			{Expr: `["is-null", ["list", null, 123]]`, Want: `true`},
			{Expr: `["is-null", ["list", 1, "12345"]]`, Want: `false`},
			{Expr: `["is-null", "_S.missing"]`, Source: `{"a": 1}`, Want: `true`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			return isNull(args[0]), nil
		},
	})

	RegisterFunc(&Func{
		Name: "is-not-null", Family: "nulls",
		Args:    "VALUES(value-expression{1})",
		Doc:     "False if VALUES is null, an empty list, or a list whose first element is null; otherwise true.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["is-not-null", null]`, Want: `false`},
			{Expr: `["is-not-null", 1]`, Want: `true`},
			{Expr: `["is-not-null", ["list"]]`, Want: `false`},
			{Expr: `["is-not-null", ["list", null]]`, Want: `false`},
			{Expr: `["is-not-null", ["list", null, 123]]`, Want: `false`},
			{Expr: `["is-not-null", ["list", 1, "12345"]]`, Want: `true`},
			{Expr: `["is-not-null", false]`, Want: `true`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			return !isNull(args[0]), nil
		},
	})

	RegisterFunc(&Func{
		Name: "is-empty", Family: "nulls",
		Args:    "VALUES(value-expression{1})",
		Doc:     "True if VALUES, viewed as a list, has no elements: null and the empty list are empty; any other single value (even \"\" or {}) is not.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["is-empty", "_S.hobbies"]`, Source: `{"hobbies": []}`, Want: `true`},
			{Expr: `["is-empty", "_S.hobbies"]`, Source: `{"hobbies": ["golf"]}`, Want: `false`},
			{Expr: `["is-empty", null]`, Want: `true`},
			{Expr: `["is-empty", ""]`, Want: `false`},
			{Expr: `["is-empty", ["list", null]]`, Want: `false`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			return len(AsList(args[0])) == 0, nil
		},
	})

	RegisterFunc(&Func{
		Name: "is-not-empty", Family: "nulls",
		Args:    "VALUES(value-expression{1})",
		Doc:     "True if VALUES, viewed as a list, has at least one element: any single non-null value counts.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["is-not-empty", "_S.hobbies"]`, Source: `{"hobbies": ["golf"]}`, Want: `true`},
			{Expr: `["is-not-empty", "_S.hobbies"]`, Source: `{}`, Want: `false`},
			{Expr: `["is-not-empty", 0]`, Want: `true`},
			{Expr: `["is-not-empty", ["list"]]`, Want: `false`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			return len(AsList(args[0])) > 0, nil
		},
	})
}

// isNull is is-null: null, the empty list, or a list that starts with null.
func isNull(v Value) bool { return First(v) == nil }
