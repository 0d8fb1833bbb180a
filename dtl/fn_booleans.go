package dtl

import "strings"

// Booleans, boolean logic and comparisons: the reference pages
// dtl-functions-booleans, dtl-functions-boolean-logic and
// dtl-functions-comparisons.

func init() {
	// boolean: booleans pass through, the strings "true"/"false" (any case)
	// parse, everything else is dropped or replaced by DEFAULT evaluated
	// with "_" bound to the value. Decisions where the reference is silent:
	// nulls inside a list are dropped even with a DEFAULT ("translates all
	// non-null input values"), strings are not trimmed, and numbers (even
	// 0 and 1) are not booleans.
	RegisterFunc(&Func{
		Name: "boolean", Family: "booleans",
		Args:    "DEFAULT(default-value-expression{0|1}), VALUES(value-expression{1})",
		Doc:     "Translates the non-null values in VALUES to booleans: booleans are kept and the strings \"true\" and \"false\" (in any case) are parsed. Other values are dropped, or replaced by DEFAULT evaluated with \"_\" bound to the value.",
		MinArgs: 1, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["boolean", "false"]`, Want: `false`},
			{Expr: `["boolean", null]`, Want: `null`},
			{Expr: `["boolean", ["list", "true", "~rhttp://www.example.org/", "True", false, 1234]]`, Want: `[true, true, false]`},
			{Expr: `["boolean", ["boolean", false], ["list", "true", "~rhttp://www.example.org/", "124.4", "FALSE"]]`, Want: `[true, false, false, false]`},
			{Expr: `["boolean", ["string", "n/a"], ["list", "true", "~rhttp://www.example.org/", "124.4"]]`, Want: `[true, "n/a", "n/a"]`},
			{Expr: `["boolean", ["string", "_."], ["list", "true", "~rhttp://www.example.org/", "False"]]`, Want: `[true, "http://www.example.org/", false]`},
			{Expr: `["boolean", "yes"]`, Want: `null`},
			{Expr: `["boolean", ["list", 1, 0, null, " true"]]`, Want: `[]`},
			{Expr: `["boolean", false, ["list", null, "x"]]`, Want: `[false]`},
		},
		Lazy: func(c *Ctx, args []Expr) (Value, error) {
			var def Expr
			if len(args) == 2 {
				def = args[0]
			}
			vals, err := args[len(args)-1].Eval(c)
			if err != nil {
				return nil, err
			}
			return mapValuesErr(vals, func(v Value) (Value, bool, error) {
				if v == nil {
					return nil, false, nil
				}
				if b, ok := parseBoolean(v); ok {
					return b, true, nil
				}
				if def == nil {
					return nil, false, nil
				}
				r, err := c.EvalWith(def, v)
				return r, err == nil, err
			})
		},
	})

	RegisterFunc(&Func{
		Name: "is-boolean", Family: "booleans",
		Args:    "VALUES(value-expression{1})",
		Doc:     "True if VALUES is a boolean, or a list whose first element is a boolean.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["is-boolean", false]`, Want: `true`},
			{Expr: `["is-boolean", "True"]`, Want: `false`},
			{Expr: `["is-boolean", ["list", true, "12345"]]`, Want: `true`},
			{Expr: `["is-boolean", ["list", "12345", true]]`, Want: `false`},
			{Expr: `["is-boolean", ["list", ["boolean", "FALSE"], 1234]]`, Want: `true`},
			{Expr: `["is-boolean", null]`, Want: `false`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			_, ok := First(args[0]).(bool)
			return ok, nil
		},
	})

	// and, or and not evaluate their arguments left to right and stop as
	// soon as the answer is known.
	RegisterFunc(&Func{
		Name: "and", Family: "boolean-logic",
		Args:    "CONDITIONS(boolean-expression{>0})",
		Doc:     "True only if every argument is true (false, null and [] are false). Stops at the first false argument.",
		MinArgs: 1, MaxArgs: -1,
		Examples: []Example{
			{Expr: `["and", ["gt", "_S.age", 26], ["eq", "_S.gender", "male"]]`, Source: `{"age": 30, "gender": "male"}`, Want: `true`},
			{Expr: `["and", ["gt", "_S.age", 26], ["eq", "_S.gender", "male"]]`, Source: `{"age": 20, "gender": "male"}`, Want: `false`},
			{Expr: `["and", true, 1, "x"]`, Want: `true`},
			{Expr: `["and", true, ["list"]]`, Want: `false`},
			{Expr: `["and", false, ["fail!", "never evaluated"]]`, Want: `false`},
		},
		Lazy: func(c *Ctx, args []Expr) (Value, error) {
			return allTrue(c, args)
		},
	})

	RegisterFunc(&Func{
		Name: "or", Family: "boolean-logic",
		Args:    "CONDITIONS(boolean-expression{>0})",
		Doc:     "True if any argument is true (false, null and [] are false). Stops at the first true argument.",
		MinArgs: 1, MaxArgs: -1,
		Examples: []Example{
			{Expr: `["or", ["eq", "_S.category", "A"], ["eq", "_S.category", "B"]]`, Source: `{"category": "B"}`, Want: `true`},
			{Expr: `["or", ["eq", "_S.category", "A"], ["eq", "_S.category", "B"]]`, Source: `{"category": "C"}`, Want: `false`},
			{Expr: `["or", null, false, ["list"]]`, Want: `false`},
			{Expr: `["or", true, ["fail!", "never evaluated"]]`, Want: `true`},
		},
		Lazy: func(c *Ctx, args []Expr) (Value, error) {
			for _, a := range args {
				v, err := a.Eval(c)
				if err != nil {
					return nil, err
				}
				if Truthy(v) {
					return true, nil
				}
			}
			return false, nil
		},
	})

	// not behaves like and, inverted, as the reference says; with one
	// argument it is plain negation.
	RegisterFunc(&Func{
		Name: "not", Family: "boolean-logic",
		Args:    "CONDITIONS(boolean-expression{>0})",
		Doc:     "The inverse of and: false if every argument is true, otherwise true. With one argument it negates it.",
		MinArgs: 1, MaxArgs: -1,
		Examples: []Example{
			{Expr: `["not", ["or", ["eq", "_S.category", "A"], ["eq", "_S.category", "B"]]]`, Source: `{"category": "C"}`, Want: `true`},
			{Expr: `["not", ["or", ["eq", "_S.category", "A"], ["eq", "_S.category", "B"]]]`, Source: `{"category": "A"}`, Want: `false`},
			{Expr: `["not", null]`, Want: `true`},
			{Expr: `["not", true, false]`, Want: `true`},
			{Expr: `["not", true, 1]`, Want: `false`},
		},
		Lazy: func(c *Ctx, args []Expr) (Value, error) {
			v, err := allTrue(c, args)
			if err != nil {
				return nil, err
			}
			return !v.(bool), nil
		},
	})

	// all and any: VALUES is viewed as a list (null is the empty list), so
	// all of nothing is true and any of nothing is false.
	RegisterFunc(&Func{
		Name: "all", Family: "boolean-logic",
		Args:    "FUNCTION(function-expression{0|1}), VALUES(value-expression{1})",
		Doc:     "True if every value in VALUES is true, or makes FUNCTION true when it is given (evaluated with \"_\" bound to each value). True for no values.",
		MinArgs: 1, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["all", ["list", 1, 2, 3]]`, Want: `true`},
			{Expr: `["all", ["gt", "_.", 2], ["list", 4, 5, 6]]`, Want: `true`},
			{Expr: `["all", ["lt", "_.", 2], ["list", 1, 3, 5]]`, Want: `false`},
			{Expr: `["all", ["list", 1, null]]`, Want: `false`},
			{Expr: `["all", ["list"]]`, Want: `true`},
			{Expr: `["all", true]`, Want: `true`},
		},
		Lazy: func(c *Ctx, args []Expr) (Value, error) {
			return quantify(c, args, false)
		},
	})

	RegisterFunc(&Func{
		Name: "any", Family: "boolean-logic",
		Args:    "FUNCTION(function-expression{0|1}), VALUES(value-expression{1})",
		Doc:     "True if at least one value in VALUES is true, or makes FUNCTION true when it is given (evaluated with \"_\" bound to each value). False for no values.",
		MinArgs: 1, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["any", ["list", 1, 2, 3]]`, Want: `true`},
			{Expr: `["any", ["gt", "_.", 5], ["list", 4, 6, 8]]`, Want: `true`},
			{Expr: `["any", ["lt", "_.", 2], ["list", 6, 7, 8]]`, Want: `false`},
			{Expr: `["any", ["list", null, false, ["list"]]]`, Want: `false`},
			{Expr: `["any", null]`, Want: `false`},
		},
		Lazy: func(c *Ctx, args []Expr) (Value, error) {
			return quantify(c, args, true)
		},
	})

	RegisterFunc(&Func{
		Name: "eq", Family: "comparisons",
		Args:    "LEFT(value-expression{1}), RIGHT(value-expression{1})",
		Doc:     "True if the two arguments, each viewed as a list (a single value is a one-element list, null the empty list), are exactly equal. Numbers compare by value (1 equals 1.0). In a hops where clause it is a join instead.",
		MinArgs: 2, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["eq", "_S.age", 42]`, Source: `{"age": 42}`, Want: `true`},
			{Expr: `["eq", "_S.hobbies", ["list", "soccer", "tennis"]]`, Source: `{"hobbies": ["soccer", "tennis"]}`, Want: `true`},
			{Expr: `["eq", "_S.hobbies", "soccer"]`, Source: `{"hobbies": ["soccer", "tennis"]}`, Want: `false`},
			{Expr: `["eq", ["list", 1], 1.0]`, Want: `true`},
			{Expr: `["eq", null, ["list"]]`, Want: `true`},
			{Expr: `["eq", 1, "1"]`, Want: `false`},
			{Expr: `["eq", {"a": 1, "b": 2}, {"b": 2, "a": 1}]`, Want: `true`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			return listsEqual(args[0], args[1]), nil
		},
	})

	RegisterFunc(&Func{
		Name: "neq", Family: "comparisons",
		Args:    "LEFT(value-expression{1}), RIGHT(value-expression{1})",
		Doc:     "The negation of eq: false if the two arguments, each viewed as a list, are exactly equal.",
		MinArgs: 2, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["neq", "_S.age", 42]`, Source: `{"age": 42}`, Want: `false`},
			{Expr: `["neq", "_S.age", 42]`, Source: `{"age": 43}`, Want: `true`},
			{Expr: `["neq", ["list", 1, 2], ["list", 2, 1]]`, Want: `true`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			return !listsEqual(args[0], args[1]), nil
		},
	})

	// gt, gte, lt and lte compare the first values with the same total
	// order that sorted, min and max use: across types null < boolean <
	// numbers < datetimes < UUID < NI < URI < string < dict < list < bytes.
	// So a missing value (null) is less than any value.
	for _, op := range []struct {
		name, words string
		test        func(int) bool
		at42        string // the reference example with age 42
		yes, no     string
	}{
		{"gt", "greater than", func(n int) bool { return n > 0 }, "false", `["gt", ["list", 43, 1], 42]`, `["gt", 42, 42]`},
		{"gte", "greater than or equal to", func(n int) bool { return n >= 0 }, "true", `["gte", 42, 42.0]`, `["gte", 41, 42]`},
		{"lt", "less than", func(n int) bool { return n < 0 }, "false", `["lt", null, 42]`, `["lt", 42, 42]`},
		{"lte", "less than or equal to", func(n int) bool { return n <= 0 }, "true", `["lte", "~t2015-01-01T00:00:00Z", "~t2016-01-01T00:00:00Z"]`, `["lte", "b", "a"]`},
	} {
		test := op.test
		RegisterFunc(&Func{
			Name: op.name, Family: "comparisons",
			Args:    "LEFT(value-expression{1}), RIGHT(value-expression{1})",
			Doc:     "True if the first value of LEFT is " + op.words + " the first value of RIGHT. Values of different types compare in the order null < boolean < numbers < datetimes < UUID < NI < URI < string < dict < list < bytes.",
			MinArgs: 2, MaxArgs: 2,
			Examples: []Example{
				{Expr: `["` + op.name + `", "_S.age", 42]`, Source: `{"age": 42}`, Want: op.at42},
				{Expr: op.yes, Want: `true`},
				{Expr: op.no, Want: `false`},
			},
			Eval: func(c *Ctx, args []Value) (Value, error) {
				return test(Compare(First(args[0]), First(args[1]))), nil
			},
		})
	}
}

// parseBoolean is the conversion boolean makes.
func parseBoolean(v Value) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch {
		case strings.EqualFold(x, "true"):
			return true, true
		case strings.EqualFold(x, "false"):
			return false, true
		}
	}
	return false, false
}

// allTrue evaluates args in order and reports whether all are truthy,
// stopping at the first that is not.
func allTrue(c *Ctx, args []Expr) (Value, error) {
	for _, a := range args {
		v, err := a.Eval(c)
		if err != nil {
			return nil, err
		}
		if !Truthy(v) {
			return false, nil
		}
	}
	return true, nil
}

// quantify is all (want=false: stop at the first false) and any (want=true:
// stop at the first true).
func quantify(c *Ctx, args []Expr, want bool) (Value, error) {
	vals, err := args[len(args)-1].Eval(c)
	if err != nil {
		return nil, err
	}
	for _, v := range AsList(vals) {
		t := Truthy(v)
		if len(args) == 2 {
			r, err := c.EvalWith(args[0], v)
			if err != nil {
				return nil, err
			}
			t = Truthy(r)
		}
		if t == want {
			return want, nil
		}
	}
	return !want, nil
}

// listsEqual is eq: both sides as lists, compared element by element.
func listsEqual(a, b Value) bool {
	la, lb := AsList(a), AsList(b)
	if len(la) != len(lb) {
		return false
	}
	for i := range la {
		if !Equal(la[i], lb[i]) {
			return false
		}
	}
	return true
}

// mapValuesErr is MapValues for functions whose per-value step can fail.
func mapValuesErr(v Value, fn func(Value) (Value, bool, error)) (Value, error) {
	var firstErr error
	out := MapValues(v, func(x Value) (Value, bool) {
		if firstErr != nil {
			return nil, false
		}
		r, ok, err := fn(x)
		if err != nil {
			firstErr = err
			return nil, false
		}
		return r, ok
	})
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}
