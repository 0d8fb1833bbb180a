package dtl

// List functions (reference page hub/dtl/dtl-functions-lists.rst) and
// "tuples" from the misc page. "list" itself is registered by the core;
// is-empty and is-not-empty (also on the nulls page) live in fn_nulls.go.
//
// Shapes: functions documented as returning a list (combine, distinct,
// flatten, map-values, group, slice, tuples) always return one, null
// counting as the empty list. Functions that map over VALUES (map, filter,
// enumerate, map-dict) give a scalar for a scalar and null for null.
// sorted, sorted-descending and reversed return a non-list VALUES as is.
//
// Integer arguments (INDEX, START, STEP, …) must be integers: anything
// else fails the entity, as the reference says integer-expression. A
// one-element list counts as its element.

import (
	"math"
	"math/big"
	"slices"

	"github.com/cockroachdb/apd/v3"
)

func init() {
	RegisterFunc(&Func{
		Name: "combine", Family: "lists",
		Args:    "VALUES(value-expression{>=1})",
		Doc:     "Combines the VALUES into a single list: lists are spliced in one level deep, null arguments are skipped.",
		MinArgs: 1, MaxArgs: -1,
		Examples: []Example{
			{Expr: `["combine", null]`, Want: `[]`},
			{Expr: `["combine", 1]`, Want: `[1]`},
			{Expr: `["combine", 1, 4]`, Want: `[1, 4]`},
			{Expr: `["combine", 1, ["list", 2, 3]]`, Want: `[1, 2, 3]`},
			{Expr: `["combine", 1, ["list", 2, 3, ["list", 4]]]`, Want: `[1, 2, 3, [4]]`},
			{Expr: `["combine", ["list", 1, 2], ["list", 3, 4], 5]`, Want: `[1, 2, 3, 4, 5]`},
			{Expr: `["combine", 1, null, ["list", null, 2]]`, Want: `[1, null, 2]`},
		},
		// Decision: a null argument contributes nothing (it is the empty
		// list), but nulls inside list arguments are kept as values.
		Eval: func(c *Ctx, args []Value) (Value, error) {
			n := 0
			for _, a := range args {
				n += len(AsList(a))
			}
			out := make(List, 0, n)
			for _, a := range args {
				out = append(out, AsList(a)...)
			}
			return out, nil
		},
	})
	RegisterFunc(&Func{
		Name: "count", Family: "lists",
		Args:    "VALUES(value-expression{1})",
		Doc:     "Returns the number of elements in VALUES: 0 for null, 1 for a single value.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["count", ["list", 2, 4, 6]]`, Want: `3`},
			{Expr: `["count", null]`, Want: `0`},
			{Expr: `["count", 123]`, Want: `1`},
			{Expr: `["count", "_S.orders"]`, Source: `{"_id": "1", "orders": [{"id": 1}, {"id": 2}]}`, Want: `2`},
			{Expr: `["count", ["list"]]`, Want: `0`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			return int64(len(AsList(args[0]))), nil
		},
	})
	RegisterFunc(&Func{
		Name: "distinct", Family: "lists",
		Args:    "FUNCTION(function-expression{0|1}), VALUES(value-expression{1})",
		Doc:     "Returns the values in VALUES with duplicates removed, keeping the first of each. With FUNCTION, its result for each value decides what counts as a duplicate; the values themselves are returned.",
		MinArgs: 1, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["distinct", ["list", 4, 2, 5, 4, 3]]`, Want: `[4, 2, 5, 3]`},
			{Expr: `["distinct", "_S.tags"]`, Source: `{"_id": "1", "tags": ["a", "b", "a"]}`, Want: `["a", "b"]`},
			{Expr: `["distinct", "_.ean", "_S.orders.line_item"]`,
				Source: `{"_id": "1", "orders": [{"line_item": [{"ean": "1", "n": 1}, {"ean": "2", "n": 2}]}, {"line_item": {"ean": "1", "n": 3}}]}`,
				Want:   `[{"ean": "1", "n": 1}, {"ean": "2", "n": 2}]`},
			{Expr: `["map", ["distinct", "_."], ["list", ["list", "A", "A"], ["list", "B", "C"]]]`, Want: `[["A"], ["B", "C"]]`},
			{Expr: `["distinct", ["list", 1, 1.0, "1", null, null]]`, Want: `[1, "1", null]`},
			{Expr: `["distinct", null]`, Want: `[]`},
			{Expr: `["distinct", "a"]`, Want: `["a"]`},
		},
		Lazy: func(c *Ctx, args []Expr) (Value, error) {
			vals, err := args[len(args)-1].Eval(c)
			if err != nil {
				return nil, err
			}
			l := AsList(vals)
			keys, err := listsKeys(c, args, l)
			if err != nil {
				return nil, err
			}
			seen := setsNew(len(l))
			out := make(List, 0, len(l))
			for i, v := range l {
				if seen.add(keys[i]) {
					out = append(out, v)
				}
			}
			return out, nil
		},
	})
	RegisterFunc(&Func{
		Name: "enumerate", Family: "lists",
		Args:    "START(integer-expression{0|1}), VALUES(value-expression{1})",
		Doc:     "Turns each value in VALUES into a dict {\"key\": N, \"value\": value}, where N counts up from START (default 0).",
		MinArgs: 1, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["enumerate", "a"]`, Want: `{"key": 0, "value": "a"}`},
			{Expr: `["enumerate", 1, "a"]`, Want: `{"key": 1, "value": "a"}`},
			{Expr: `["enumerate", ["list", 17, 32, 21]]`, Want: `[{"key": 0, "value": 17}, {"key": 1, "value": 32}, {"key": 2, "value": 21}]`},
			{Expr: `["enumerate", 2, ["list", 17, 32, 21]]`, Want: `[{"key": 2, "value": 17}, {"key": 3, "value": 32}, {"key": 4, "value": 21}]`},
			{Expr: `["enumerate", null]`, Want: `null`},
			{Expr: `["enumerate", -1, ["list", "a", null]]`, Want: `[{"key": -1, "value": "a"}, {"key": 0, "value": null}]`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			start := new(big.Int)
			if len(args) == 2 {
				s, err := listsBigArg("enumerate", "START", args[0])
				if err != nil {
					return nil, err
				}
				start = s
			}
			vals := args[len(args)-1]
			item := func(i int, v Value) Value {
				var k Value
				if s := start.Int64(); start.IsInt64() && s <= math.MaxInt64-int64(i) {
					k = s + int64(i)
				} else {
					k = Int(new(big.Int).Add(start, big.NewInt(int64(i))))
				}
				d := NewDict(2)
				d.Set("key", k)
				d.Set("value", v)
				return d
			}
			switch x := vals.(type) {
			case nil:
				return nil, nil
			case List:
				out := make(List, len(x))
				for i, v := range x {
					out[i] = item(i, v)
				}
				return out, nil
			}
			return item(0, vals), nil
		},
	})
	RegisterFunc(&Func{
		Name: "filter", Family: "lists",
		Args:    "FUNCTION(function-expression{1}), VALUES(value-expression{1})",
		Doc:     "Keeps the values in VALUES for which FUNCTION is true (false, null and [] are not).",
		MinArgs: 2, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["filter", ["gt", "_.age", 42], ["list", {"age": 30}, {"age": 50}, {"age": 40}]]`, Want: `[{"age": 50}]`},
			{Expr: `["filter", ["gt", "_.amount", 100], "_S.orders"]`,
				Source: `{"_id": "1", "orders": [{"amount": 50}, {"amount": 150}, {"amount": 200}]}`,
				Want:   `[{"amount": 150}, {"amount": 200}]`},
			{Expr: `["filter", "_.", ["list", 1, null, false, ["list"], 0, "x"]]`, Want: `[1, 0, "x"]`},
			{Expr: `["filter", ["gt", "_.", 1], 2]`, Want: `2`},
			{Expr: `["filter", ["gt", "_.", 1], 0]`, Want: `null`},
		},
		// Decision: "evaluates to true" is DTL truthiness, so a FUNCTION
		// returning a non-empty value keeps the item.
		Lazy: func(c *Ctx, args []Expr) (Value, error) {
			vals, err := args[1].Eval(c)
			if err != nil {
				return nil, err
			}
			var ferr error
			out := MapValues(vals, func(v Value) (Value, bool) {
				if ferr != nil {
					return nil, false
				}
				r, err := c.EvalWith(args[0], v)
				if err != nil {
					ferr = err
					return nil, false
				}
				return v, Truthy(r)
			})
			if ferr != nil {
				return nil, ferr
			}
			return out, nil
		},
	})
	RegisterFunc(&Func{
		Name: "first", Family: "lists",
		Args:    "VALUES(value-expression{1})",
		Doc:     "Returns the first value in VALUES; a single value is returned as is, an empty list gives null.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["first", ["list", "a", "b", "c"]]`, Want: `"a"`},
			{Expr: `["first", "_S.tags"]`, Source: `{"_id": "1", "tags": ["x", "y"]}`, Want: `"x"`},
			{Expr: `["first", 123]`, Want: `123`},
			{Expr: `["first", ["list"]]`, Want: `null`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			return First(args[0]), nil
		},
	})
	RegisterFunc(&Func{
		Name: "flatten", Family: "lists",
		Args:    "VALUES(value-expression{1})",
		Doc:     "Returns a new list where list elements of VALUES are spliced in, one level deep (not recursively).",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["flatten", ["list", 1, 2, ["list", 3, 4]]]`, Want: `[1, 2, 3, 4]`},
			{Expr: `["flatten", ["list", ["list", 1, 2], ["list", 3, ["list", 4], 5]]]`, Want: `[1, 2, 3, [4], 5]`},
			{Expr: `["flatten", ["list", "_S.sisters", "_S.brothers"]]`,
				Source: `{"_id": "1", "sisters": ["Ann", "Eve"], "brothers": ["Bob"]}`,
				Want:   `["Ann", "Eve", "Bob"]`},
			{Expr: `["flatten", ["list", null, ["list", null]]]`, Want: `[null, null]`},
			{Expr: `["flatten", 1]`, Want: `[1]`},
			{Expr: `["flatten", null]`, Want: `[]`},
		},
		// Decision: null elements stay (they are values); only list
		// elements are spliced.
		Eval: func(c *Ctx, args []Value) (Value, error) {
			l := AsList(args[0])
			out := make(List, 0, len(l))
			for _, v := range l {
				if sub, ok := v.(List); ok {
					out = append(out, sub...)
				} else {
					out = append(out, v)
				}
			}
			return out, nil
		},
	})
	RegisterFunc(&Func{
		Name: "group-by", Family: "lists",
		Args:    "KEY_FUNCTION(function-expression{0|1}), STRING_FUNCTION(function-expression{0|1}), VALUES(value-expression{1})",
		Doc:     "Groups the values in VALUES by the result of KEY_FUNCTION (default: the value itself) into a dict of lists. Keys are the transit-encoded JSON of the group key, or the result of STRING_FUNCTION applied to the group key.",
		MinArgs: 1, MaxArgs: 3,
		Examples: []Example{
			{Expr: `["group-by", ["length", "_."], ["list", "phi", "alpha", "rho"]]`, Want: `{"3": ["phi", "rho"], "5": ["alpha"]}`},
			{Expr: `["group-by", "_.ean", "_S.orders.line_item"]`,
				Source: `{"_id": "1", "orders": [{"line_item": [{"ean": "1", "n": 1}, {"ean": "2", "n": 2}]}, {"line_item": {"ean": "1", "n": 3}}]}`,
				Want:   `{"\"1\"": [{"ean": "1", "n": 1}, {"ean": "1", "n": 3}], "\"2\"": [{"ean": "2", "n": 2}]}`},
			{Expr: `["group-by", "_.gender", "_S.people"]`,
				Source: `{"_id": "1", "people": [{"name": "a", "gender": "f"}, {"name": "b", "gender": "m"}, {"name": "c"}]}`,
				Want:   `{"\"f\"": [{"name": "a", "gender": "f"}], "\"m\"": [{"name": "b", "gender": "m"}], "null": [{"name": "c"}]}`},
			{Expr: `["group-by", ["upper", "_."], ["list", "a", "b"]]`, Want: `{"\"A\"": ["a"], "\"B\"": ["b"]}`},
			{Expr: `["group-by", ["upper", "_."], ["string", "_."], ["list", "a", "b"]]`, Want: `{"A": ["a"], "B": ["b"]}`},
			{Expr: `["group-by", ["list", 1, 1.5, "a", 2]]`, Want: `{"1": [1], "1.5": [1.5], "\"a\"": ["a"], "2": [2]}`},
			{Expr: `["group-by", ["list", "_.", 1], ["list", {"b": 1, "a": "x"}]]`, Want: `{"[{\"a\": \"x\", \"b\": 1}, 1]": [{"b": 1, "a": "x"}]}`},
			{Expr: `["group-by", "_.", null]`, Want: `{}`},
		},
		// Decision: when STRING_FUNCTION returns something other than a
		// string, the transit-encoded JSON of that result is the key.
		Lazy: func(c *Ctx, args []Expr) (Value, error) {
			vals, err := args[len(args)-1].Eval(c)
			if err != nil {
				return nil, err
			}
			l := AsList(vals)
			var keyFn, strFn Expr
			if len(args) >= 2 {
				keyFn = args[0]
			}
			if len(args) == 3 {
				strFn = args[1]
			}
			var names []string
			var groups []List
			index := map[string]int{}
			for _, v := range l {
				key := v
				if keyFn != nil {
					if key, err = c.EvalWith(keyFn, v); err != nil {
						return nil, err
					}
				}
				var name string
				if strFn != nil {
					s, err := c.EvalWith(strFn, key)
					if err != nil {
						return nil, err
					}
					if str, ok := s.(string); ok {
						name = str
					} else {
						name = string(appendPyJSON(nil, s, true))
					}
				} else {
					name = string(appendPyJSON(nil, key, true))
				}
				i, ok := index[name]
				if !ok {
					i = len(names)
					index[name] = i
					names = append(names, name)
					groups = append(groups, nil)
				}
				groups[i] = append(groups[i], v)
			}
			out := NewDict(len(names))
			for i, n := range names {
				out.Set(n, groups[i])
			}
			return out, nil
		},
	})
	RegisterFunc(&Func{
		Name: "group", Family: "lists",
		Args:    "KEY_FUNCTION(function-expression{1}), VALUE_FUNCTION(function-expression{1}), VALUES(value-expression{1})",
		Doc:     "Groups the items in VALUES by KEY_FUNCTION and collects VALUE_FUNCTION of each item per group. Returns a list of [group-key, grouped-values] pairs in order of first appearance.",
		MinArgs: 3, MaxArgs: 3,
		Examples: []Example{
			{Expr: `["group", ["first", "_."], ["nth", 1, "_."], ["list", ["list", "Adresse1", "A"], ["list", "Adresse2", "B"], ["list", "Adresse2", "C"]]]`, Want: `[["Adresse1", ["A"]], ["Adresse2", ["B", "C"]]]`},
			{Expr: `["group", ["upper", "_."], ["lower", "_."], "Hello"]`, Want: `[["HELLO", ["hello"]]]`},
			{Expr: `["dict", ["group", ["first", "_."], ["nth", 1, "_."], ["list", ["list", "Adresse1", "A"], ["list", "Adresse2", "B"], ["list", "Adresse2", "C"]]]]`, Want: `{"Adresse1": ["A"], "Adresse2": ["B", "C"]}`},
			{Expr: `["group", "_.k", "_.v", ["list", {"k": 1, "v": "a"}, {"k": 1.0, "v": "b"}, {"v": "c"}]]`, Want: `[[1, ["a", "b"]], [null, ["c"]]]`},
			{Expr: `["group", "_.", "_.", null]`, Want: `[]`},
		},
		// Group keys are compared with Equal (1 and 1.0 are one group);
		// the first key seen names the group.
		Lazy: func(c *Ctx, args []Expr) (Value, error) {
			vals, err := args[2].Eval(c)
			if err != nil {
				return nil, err
			}
			l := AsList(vals)
			var keys []Value
			var groups []List
			index := map[string]int{}
			var buf []byte
			for _, v := range l {
				k, err := c.EvalWith(args[0], v)
				if err != nil {
					return nil, err
				}
				gv, err := c.EvalWith(args[1], v)
				if err != nil {
					return nil, err
				}
				buf = setsAppendKey(buf[:0], k)
				i, ok := index[string(buf)]
				if !ok {
					i = len(keys)
					index[string(buf)] = i
					keys = append(keys, k)
					groups = append(groups, nil)
				}
				groups[i] = append(groups[i], gv)
			}
			out := make(List, len(keys))
			for i, k := range keys {
				out[i] = List{k, groups[i]}
			}
			return out, nil
		},
	})
	RegisterFunc(&Func{
		Name: "in", Family: "lists",
		Args:    "VALUES(value-expression{1}), ITEMS(value-expression{1})",
		Doc:     "Returns true if every value in VALUES exists in ITEMS (VALUES is a subset of ITEMS); false if VALUES is null or empty.",
		MinArgs: 2, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["in", "a", ["list", "a", "b", "c"]]`, Want: `true`},
			{Expr: `["in", "d", ["list", "a", "b", "c"]]`, Want: `false`},
			{Expr: `["in", ["list", 10], 10]`, Want: `true`},
			{Expr: `["in", ["list"], 10]`, Want: `false`},
			{Expr: `["in", null, ["list", null]]`, Want: `false`},
			{Expr: `["in", ["list", null], ["list", 1, null, 2]]`, Want: `true`},
			{Expr: `["in", ["list", "a", "c"], ["list", "a", "b", "c"]]`, Want: `true`},
			{Expr: `["in", ["list", "a", "c", "d"], ["list", "a", "b", "c"]]`, Want: `false`},
			{Expr: `["in", 1, ["list", 1.0]]`, Want: `true`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			vals := AsList(args[0])
			if len(vals) == 0 {
				return false, nil
			}
			set := setsOf(AsList(args[1]))
			for _, v := range vals {
				if !set.has(v) {
					return false, nil
				}
			}
			return true, nil
		},
	})
	RegisterFunc(&Func{
		Name: "insert", Family: "lists",
		Args:    "INDEX(integer-expression{1}), VALUES(value-expression{1}), OBJECT(value-expression{1})",
		Doc:     "Returns a new list with OBJECT inserted at INDEX in VALUES. A negative INDEX counts from the end; an INDEX past either end inserts at that end.",
		MinArgs: 3, MaxArgs: 3,
		Examples: []Example{
			{Expr: `["insert", 1, 2, 3]`, Want: `[2, 3]`},
			{Expr: `["insert", 1, ["list", 1, 2], ["list", 3, 4]]`, Want: `[1, [3, 4], 2]`},
			{Expr: `["insert", -2, ["list", 1, 2, 3], 4]`, Want: `[1, 4, 2, 3]`},
			{Expr: `["insert", 10, ["list", 1, 2], 3]`, Want: `[1, 2, 3]`},
			{Expr: `["insert", -10, ["list", 1, 2], 3]`, Want: `[3, 1, 2]`},
			{Expr: `["insert", 0, null, null]`, Want: `[null]`},
		},
		// Out-of-range indexes clamp to the ends, like Python's list.insert.
		Eval: func(c *Ctx, args []Value) (Value, error) {
			idx, err := listsIntArg("insert", "INDEX", args[0])
			if err != nil {
				return nil, err
			}
			l := AsList(args[1])
			n := int64(len(l))
			if idx < 0 {
				idx += n
				if idx < 0 {
					idx = 0
				}
			}
			if idx > n {
				idx = n
			}
			out := make(List, 0, len(l)+1)
			out = append(out, l[:idx]...)
			out = append(out, args[2])
			out = append(out, l[idx:]...)
			return out, nil
		},
	})
	RegisterFunc(&Func{
		Name: "is-list", Family: "lists",
		Args:    "VALUES(value-expression{1})",
		Doc:     "Returns true if the value is a list (the value itself, not its first element).",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["is-list", ["list", "foo:bar"]]`, Want: `true`},
			{Expr: `["is-list", "foo:bar"]`, Want: `false`},
			{Expr: `["is-list", ["list", ["uri", "foo:bar"], 12345]]`, Want: `true`},
			{Expr: `["is-list", ["dict", "1", 2]]`, Want: `false`},
			{Expr: `["is-list", ["items", ["dict", "1", 2]]]`, Want: `true`},
			{Expr: `["is-list", ["list"]]`, Want: `true`},
			{Expr: `["is-list", null]`, Want: `false`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			_, ok := args[0].(List)
			return ok, nil
		},
	})
	RegisterFunc(&Func{
		Name: "last", Family: "lists",
		Args:    "VALUES(value-expression{1})",
		Doc:     "Returns the last value in VALUES; a single value is returned as is, an empty list gives null.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["last", ["list", "a", "b", "c"]]`, Want: `"c"`},
			{Expr: `["last", "_S.tags"]`, Source: `{"_id": "1", "tags": ["x", "y"]}`, Want: `"y"`},
			{Expr: `["last", 123]`, Want: `123`},
			{Expr: `["last", ["list"]]`, Want: `null`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			if l, ok := args[0].(List); ok {
				if len(l) == 0 {
					return nil, nil
				}
				return l[len(l)-1], nil
			}
			return args[0], nil
		},
	})
	RegisterFunc(&Func{
		Name: "map", Family: "lists",
		Args:    "FUNCTION(function-expression{1}), VALUES(value-expression{1})",
		Doc:     "Applies FUNCTION to each value in VALUES and returns the results (nulls included).",
		MinArgs: 2, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["map", ["lower", "_."], ["list", "A", "B", "C"]]`, Want: `["a", "b", "c"]`},
			{Expr: `["map", ["distinct", "_."], ["list", ["list", "A", "A"], ["list", "B", "C"]]]`, Want: `[["A"], ["B", "C"]]`},
			{Expr: `["map", "_.a", ["list", {"a": 1}, {"b": 2}]]`, Want: `[1, null]`},
			{Expr: `["map", ["lower", "_."], "A"]`, Want: `"a"`},
			{Expr: `["map", ["lower", "_."], null]`, Want: `null`},
		},
		Lazy: func(c *Ctx, args []Expr) (Value, error) {
			vals, err := args[1].Eval(c)
			if err != nil {
				return nil, err
			}
			switch x := vals.(type) {
			case nil:
				return nil, nil
			case List:
				out := make(List, len(x))
				for i, v := range x {
					if out[i], err = c.EvalWith(args[0], v); err != nil {
						return nil, err
					}
				}
				return out, nil
			}
			return c.EvalWith(args[0], vals)
		},
	})
	RegisterFunc(&Func{
		Name: "map-dict", Family: "lists",
		Args:    "KEY_FUNCTION(function-expression{1}), VALUE_FUNCTION(function-expression{1}), VALUES(value-expression{1})",
		Doc:     "Builds a new dict from each dict in VALUES by applying KEY_FUNCTION to each key and VALUE_FUNCTION to each value. Members whose new key is not a string are dropped, and so are dicts that end up empty; other values are ignored.",
		MinArgs: 3, MaxArgs: 3,
		Examples: []Example{
			{Expr: `["map-dict", ["upper", "_."], ["plus", 1, "_."], {"A": 1, "B": 2}]`, Want: `{"A": 2, "B": 3}`},
			{Expr: `["map-dict", ["if", ["gt", ["length", "_."], 2], ["concat", "x:", "_."]], "_.", ["list", {"abc": 1, "ab": 2, "abcd": 3}, {"def": 4}, {"gh": 5}]]`, Want: `[{"x:abc": 1, "x:abcd": 3}, {"x:def": 4}]`},
			{Expr: `["map-dict", "_.", "_.", ["list", 1, {"a": 1}]]`, Want: `[{"a": 1}]`},
			{Expr: `["map-dict", 1, "_.", {"a": 1}]`, Want: `null`},
			{Expr: `["map-dict", "x", "_.", {"a": 1, "b": 2}]`, Want: `{"x": 2}`},
		},
		// Decision: a single dict in gives a dict (or null if it ends up
		// empty) out; when two keys map to the same new key, the later
		// member wins.
		Lazy: func(c *Ctx, args []Expr) (Value, error) {
			vals, err := args[2].Eval(c)
			if err != nil {
				return nil, err
			}
			var ferr error
			out := MapValues(vals, func(v Value) (Value, bool) {
				d, ok := v.(*Dict)
				if !ok || ferr != nil {
					return nil, false
				}
				nd := NewDict(d.Len())
				d.Range(func(k string, e Value) bool {
					nk, err := c.EvalWith(args[0], k)
					if err != nil {
						ferr = err
						return false
					}
					ks, ok := nk.(string)
					if !ok {
						return true
					}
					nv, err := c.EvalWith(args[1], e)
					if err != nil {
						ferr = err
						return false
					}
					nd.Set(ks, nv)
					return true
				})
				return nd, ferr == nil && nd.Len() > 0
			})
			if ferr != nil {
				return nil, ferr
			}
			return out, nil
		},
	})
	RegisterFunc(&Func{
		Name: "map-values", Family: "lists",
		Args:    "VALUE_FUNCTION(function-expression{1}), VALUES(value-expression{1})",
		Doc:     "Applies VALUE_FUNCTION to the member values of each dict in VALUES and returns all the results as one list. Non-dict values are ignored.",
		MinArgs: 2, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["map-values", ["lower", "_."], {"key1": "A", "key2": "B"}]`, Want: `["a", "b"]`},
			{Expr: `["map-values", ["lower", "_."], ["list", {"key1": "A", "key2": "B"}, 100, {"key1": "B", "key2": "A", "key3": "C"}]]`, Want: `["a", "b", "b", "a", "c"]`},
			{Expr: `["map-values", "_.", null]`, Want: `[]`},
		},
		Lazy: func(c *Ctx, args []Expr) (Value, error) {
			vals, err := args[1].Eval(c)
			if err != nil {
				return nil, err
			}
			out := List{}
			for _, v := range AsList(vals) {
				d, ok := v.(*Dict)
				if !ok {
					continue
				}
				var ferr error
				d.Range(func(_ string, e Value) bool {
					r, err := c.EvalWith(args[0], e)
					if err != nil {
						ferr = err
						return false
					}
					out = append(out, r)
					return true
				})
				if ferr != nil {
					return nil, ferr
				}
			}
			return out, nil
		},
	})
	RegisterFunc(&Func{
		Name: "max", Family: "lists",
		Args:    "FUNCTION(function-expression{0|1}), VALUES(value-expression{1})",
		Doc:     "Returns the largest value in VALUES in mixed-type ordering. With FUNCTION, its result orders the values, but the value itself is returned. Null values (or null FUNCTION results) are skipped.",
		MinArgs: 1, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["max", ["list", 4, 2, 5, 3]]`, Want: `5`},
			{Expr: `["max", ["list", "b", 2, "a", 3]]`, Want: `"b"`},
			{Expr: `["max", ["list", {"x": 1}, "b", 2, "a"]]`, Want: `{"x": 1}`},
			{Expr: `["max", "_.amount", "_S.orders"]`,
				Source: `{"_id": "1", "orders": [{"id": "a", "amount": 5}, {"id": "b", "amount": 12.5}, {"id": "c"}]}`,
				Want:   `{"id": "b", "amount": 12.5}`},
			{Expr: `["max", ["list", "~t2020-01-01T00:00:00Z", "~t2021-01-01T00:00:00Z"]]`, Want: `"~t2021-01-01T00:00:00Z"`},
			{Expr: `["max", ["list", 1, "~f1.5", 1.2]]`, Want: `"~f1.5"`},
			{Expr: `["max", ["list"]]`, Want: `null`},
			{Expr: `["max", 7]`, Want: `7`},
		},
		Lazy: listsExtreme(1),
	})
	RegisterFunc(&Func{
		Name: "min", Family: "lists",
		Args:    "FUNCTION(function-expression{0|1}), VALUES(value-expression{1})",
		Doc:     "Returns the smallest value in VALUES in mixed-type ordering. With FUNCTION, its result orders the values, but the value itself is returned. Null values (or null FUNCTION results) are skipped.",
		MinArgs: 1, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["min", ["list", 4, 2, 5, 3]]`, Want: `2`},
			{Expr: `["min", ["list", "b", 2, "a", 3]]`, Want: `2`},
			{Expr: `["min", ["list", {"x": 1}, "b", "a"]]`, Want: `"a"`},
			{Expr: `["min", ["list", "B", "b", "A", "a"]]`, Want: `"A"`},
			{Expr: `["min", "_.amount", "_S.orders"]`,
				Source: `{"_id": "1", "orders": [{"id": "a", "amount": 5}, {"id": "b", "amount": 12.5}, {"id": "c"}]}`,
				Want:   `{"id": "a", "amount": 5}`},
			{Expr: `["min", ["list", null, 3, true]]`, Want: `true`},
			{Expr: `["min", null]`, Want: `null`},
		},
		Lazy: listsExtreme(-1),
	})
	RegisterFunc(&Func{
		Name: "nth", Family: "lists",
		Args:    "INDEX(integer-expression{1}), VALUES(value-expression{1})",
		Doc:     "Returns the value at zero-based INDEX in VALUES (negative counts from the end), or null when out of bounds. A single value counts as a one-element list.",
		MinArgs: 2, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["nth", 1, ["list", "a", "b", "c"]]`, Want: `"b"`},
			{Expr: `["nth", 5, ["list", "a", "b", "c"]]`, Want: `null`},
			{Expr: `["nth", 1, "_S.tags"]`, Source: `{"_id": "1", "tags": ["x", "y", "z"]}`, Want: `"y"`},
			{Expr: `["nth", 0, "a"]`, Want: `"a"`},
			{Expr: `["nth", 1, "a"]`, Want: `null`},
			{Expr: `["nth", -1, ["list", "a", "b", "c"]]`, Want: `"c"`},
			{Expr: `["nth", -4, ["list", "a", "b", "c"]]`, Want: `null`},
			{Expr: `["nth", 0, null]`, Want: `null`},
		},
		// Decision: negative indexes count from the end, as in insert and
		// slice (Python indexing, which Sesam's DTL is built on).
		Eval: func(c *Ctx, args []Value) (Value, error) {
			idx, err := listsIntArg("nth", "INDEX", args[0])
			if err != nil {
				return nil, err
			}
			l := AsList(args[1])
			n := int64(len(l))
			if idx < 0 {
				idx += n
			}
			if idx < 0 || idx >= n {
				return nil, nil
			}
			return l[idx], nil
		},
	})
	RegisterFunc(&Func{
		Name: "range", Family: "lists",
		Args:    "START(integer-expression{1}), STOP(integer-expression{1}), STEP(integer-expression{0|1})",
		Doc:     "Returns the integers from START (inclusive) to STOP (exclusive) in STEP increments (default 1). STEP cannot be 0 and all arguments must be integers.",
		MinArgs: 2, MaxArgs: 3,
		Examples: []Example{
			{Expr: `["range", 0, 4]`, Want: `[0, 1, 2, 3]`},
			{Expr: `["range", 4, 0, -1]`, Want: `[4, 3, 2, 1]`},
			{Expr: `["range", 0, 10, 3]`, Want: `[0, 3, 6, 9]`},
			{Expr: `["range", 4, 0]`, Want: `[]`},
			{Expr: `["range", 9223372036854775805, 9223372036854775807]`, Want: `[9223372036854775805, 9223372036854775806]`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			var nums [3]int64
			nums[2] = 1
			for i, a := range args {
				x := First(a)
				v, ok := x.(int64)
				if !ok {
					if _, isBig := x.(*big.Int); isBig {
						return nil, Errorf("range: arguments must be 64-bit integers, got %s", EncodeJSON(x))
					}
					return nil, Errorf("range: arguments must be integers, got %s", listsDescribe(x))
				}
				nums[i] = v
			}
			start, stop, step := nums[0], nums[1], nums[2]
			if step == 0 {
				return nil, Errorf("range: STEP cannot be 0")
			}
			var count uint64
			if step > 0 && start < stop {
				diff, st := uint64(stop)-uint64(start), uint64(step)
				count = diff / st
				if diff%st != 0 {
					count++
				}
			} else if step < 0 && start > stop {
				diff, st := uint64(start)-uint64(stop), -uint64(step)
				count = diff / st
				if diff%st != 0 {
					count++
				}
			}
			if err := c.Step(int(min(count, 1<<40))); err != nil {
				return nil, err
			}
			out := make(List, count)
			for i := range out {
				out[i] = int64(uint64(start) + uint64(i)*uint64(step))
			}
			return out, nil
		},
	})
	RegisterFunc(&Func{
		Name: "reversed", Family: "lists",
		Args:    "VALUES(value-expression{1})",
		Doc:     "Returns a new list with the values of VALUES in reverse order. A value that is not a list is returned as is.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["reversed", ["list", 1, 3, 2]]`, Want: `[2, 3, 1]`},
			{Expr: `["reversed", ["sorted", "_S.tags"]]`, Source: `{"_id": "1", "tags": ["b", "c", "a"]}`, Want: `["c", "b", "a"]`},
			{Expr: `["reversed", "abc"]`, Want: `"abc"`},
			{Expr: `["reversed", null]`, Want: `null`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			l, ok := args[0].(List)
			if !ok {
				return args[0], nil
			}
			out := slices.Clone(l)
			if out == nil {
				out = List{}
			}
			slices.Reverse(out)
			return out, nil
		},
	})
	RegisterFunc(&Func{
		Name: "slice", Family: "lists",
		Args:    "START(integer-expression{1}), END(integer-expression{0|1}), STRIDE(integer-expression{0|1}), VALUES(value-expression{1})",
		Doc:     "Returns the values of VALUES from START up to (not including) END, taking every STRIDE-th. END defaults to the end, STRIDE to 1; negative positions count from the end, a negative STRIDE walks backwards, and null means the default.",
		MinArgs: 2, MaxArgs: 4,
		Examples: []Example{
			{Expr: `["slice", 2, -2, 2, ["list", 0, 1, 2, 3, 4, 5, 6]]`, Want: `[2, 4]`},
			{Expr: `["slice", 2, ["list", 0, 1, 2, 3, 4, 5, 6]]`, Want: `[2, 3, 4, 5, 6]`},
			{Expr: `["slice", -2, ["list", 0, 1, 2, 3, 4, 5, 6]]`, Want: `[5, 6]`},
			{Expr: `["slice", 1, 3, ["list", 0, 1, 2, 3, 4, 5, 6]]`, Want: `[1, 2]`},
			{Expr: `["slice", null, null, -2, ["list", 0, 1, 2, 3, 4, 5, 6]]`, Want: `[6, 4, 2, 0]`},
			{Expr: `["slice", 10, ["list", 0, 1]]`, Want: `[]`},
			{Expr: `["slice", 0, "a"]`, Want: `["a"]`},
		},
		// Python slice semantics (Sesam's DTL is Python). STRIDE 0 is an
		// error, as it is there.
		Eval: func(c *Ctx, args []Value) (Value, error) {
			var bounds [3]*int64 // start, end, stride
			for i, a := range args[:len(args)-1] {
				if First(a) == nil {
					continue
				}
				v, err := listsIntArg("slice", [3]string{"START", "END", "STRIDE"}[i], a)
				if err != nil {
					return nil, err
				}
				bounds[i] = &v
			}
			l := AsList(args[len(args)-1])
			step := int64(1)
			if bounds[2] != nil {
				step = *bounds[2]
			}
			if step == 0 {
				return nil, Errorf("slice: STRIDE cannot be 0")
			}
			n := int64(len(l))
			// Any stride longer than the list takes one element at most.
			step = max(min(step, n+1), -(n + 1))
			var lo, hi int64
			if step > 0 {
				lo, hi = 0, n
			} else {
				lo, hi = n-1, -1
			}
			adjust := func(p *int64, def int64) int64 {
				if p == nil {
					return def
				}
				v := *p
				if v < 0 {
					v += n
					if v < 0 {
						if step > 0 {
							return 0
						}
						return -1
					}
				}
				if v >= n {
					if step > 0 {
						return n
					}
					return n - 1
				}
				return v
			}
			lo, hi = adjust(bounds[0], lo), adjust(bounds[1], hi)
			out := List{}
			if step > 0 {
				for i := lo; i < hi; i += step {
					out = append(out, l[i])
				}
			} else {
				for i := lo; i > hi; i += step {
					out = append(out, l[i])
				}
			}
			return out, nil
		},
	})
	RegisterFunc(&Func{
		Name: "sorted", Family: "lists",
		Args:    "FUNCTION(function-expression{0|1}), VALUES(value-expression{1})",
		Doc:     "Returns VALUES sorted in ascending mixed-type order, keeping duplicates and the order of equal values. With FUNCTION, its result is the sort key but the values are returned. A value that is not a list is returned as is.",
		MinArgs: 1, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["sorted", ["list", 4, 2, 5, 4, 3]]`, Want: `[2, 3, 4, 4, 5]`},
			{Expr: `["sorted", ["list", "b", 2, {"x": 1}, "a", 4]]`, Want: `[2, 4, "a", "b", {"x": 1}]`},
			{Expr: `["sorted", ["list", {"x": 1}, {"x": "abc"}, {"x": 2}]]`, Want: `[{"x": 1}, {"x": 2}, {"x": "abc"}]`},
			{Expr: `["sorted", "_.age", ["list", {"age": 30}, {"age": 50}, {"age": 20}]]`, Want: `[{"age": 20}, {"age": 30}, {"age": 50}]`},
			{Expr: `["sorted", "_S.tags"]`, Source: `{"_id": "1", "tags": ["b", "c", "a"]}`, Want: `["a", "b", "c"]`},
			{Expr: `["sorted", ["list", ["list", 1], "~:a:b", null, true, 1.5, "~t2020-01-01T00:00:00Z", "s", 1, "~rhttp://x"]]`,
				Want: `[null, true, 1, 1.5, "~t2020-01-01T00:00:00Z", "~:a:b", "~rhttp://x", "s", [1]]`},
			{Expr: `["sorted", "_.k", ["list", {"k": 1, "n": "a"}, {"k": 0, "n": "b"}, {"k": 1.0, "n": "c"}]]`, Want: `[{"k": 0, "n": "b"}, {"k": 1, "n": "a"}, {"k": 1.0, "n": "c"}]`},
			{Expr: `["sorted", 5]`, Want: `5`},
		},
		Lazy: listsSorted(false),
	})
	RegisterFunc(&Func{
		Name: "sorted-descending", Family: "lists",
		Args:    "FUNCTION(function-expression{0|1}), VALUES(value-expression{1})",
		Doc:     "Returns VALUES sorted in descending mixed-type order, keeping duplicates and the order of equal values. With FUNCTION, its result is the sort key but the values are returned. A value that is not a list is returned as is.",
		MinArgs: 1, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["sorted-descending", ["list", 4, 2, 5, 4, 3]]`, Want: `[5, 4, 4, 3, 2]`},
			{Expr: `["sorted-descending", ["list", "b", 2, {"x": 1}, "a", 4]]`, Want: `[{"x": 1}, "b", "a", 4, 2]`},
			{Expr: `["sorted-descending", ["list", {"x": 1}, {"x": "abc"}, {"x": 2}]]`, Want: `[{"x": "abc"}, {"x": 2}, {"x": 1}]`},
			{Expr: `["sorted-descending", "_.age", ["list", {"age": 30}, {"age": 50}, {"age": 20}]]`, Want: `[{"age": 50}, {"age": 30}, {"age": 20}]`},
			{Expr: `["sorted-descending", "_S.tags"]`, Source: `{"_id": "1", "tags": ["b", "c", "a"]}`, Want: `["c", "b", "a"]`},
			{Expr: `["sorted-descending", "_.k", ["list", {"k": 1, "n": "a"}, {"k": 0, "n": "b"}, {"k": 1.0, "n": "c"}]]`, Want: `[{"k": 1, "n": "a"}, {"k": 1.0, "n": "c"}, {"k": 0, "n": "b"}]`},
		},
		Lazy: listsSorted(true),
	})
	RegisterFunc(&Func{
		Name: "sum", Family: "lists",
		Args:    "VALUES(value-expression{1})",
		Doc:     "Returns the sum of the numbers in VALUES; other values (booleans included) are ignored. Integers stay exact; a float makes the sum a float, a decimal makes it a decimal. The sum of no numbers is 0.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["sum", ["list", 2, 4, 6]]`, Want: `12`},
			{Expr: `["sum", "_S.amounts"]`, Source: `{"_id": "1", "amounts": [1, 2.5, "x"]}`, Want: `3.5`},
			{Expr: `["sum", ["list", 9223372036854775807, 1]]`, Want: `9223372036854775808`},
			{Expr: `["sum", ["list", "~f0.1", 0.2, 1]]`, Want: `"~f1.3"`},
			{Expr: `["sum", ["list", true, "1", null]]`, Want: `0`},
			{Expr: `["sum", 5]`, Want: `5`},
		},
		// Decision: with decimals present every number is added exactly
		// as a decimal (a float counts as its shortest decimal text); a
		// NaN or infinite float makes the result that float.
		Eval: func(c *Ctx, args []Value) (Value, error) {
			return listsSum(AsList(args[0]))
		},
	})
	RegisterFunc(&Func{
		Name: "tuples", Family: "misc",
		Args:    "VALUES(value-expression{>=0})",
		Doc:     "Returns the cartesian product of the arguments as a list of tuples (lists), one element from each argument, in order. Null values are ignored.",
		MinArgs: 0, MaxArgs: -1,
		Examples: []Example{
			{Expr: `["tuples"]`, Want: `[]`},
			{Expr: `["tuples", "a", "b", "c"]`, Want: `[["a", "b", "c"]]`},
			{Expr: `["tuples", ["list", 1, 2], 3]`, Want: `[[1, 3], [2, 3]]`},
			{Expr: `["tuples", ["list", 1, 2], ["list", 3, null, 4, 5]]`, Want: `[[1, 3], [1, 4], [1, 5], [2, 3], [2, 4], [2, 5]]`},
			{Expr: `["tuples", ["list", 1, 2], null]`, Want: `[]`},
		},
		// Decision: a null argument is an empty list, so the product is
		// empty (the tuple length always equals the number of arguments).
		Eval: func(c *Ctx, args []Value) (Value, error) {
			if len(args) == 0 {
				return List{}, nil
			}
			lists := make([]List, len(args))
			total := uint64(1)
			for i, a := range args {
				l := AsList(a)
				if slices.Contains(l, nil) {
					l = slices.DeleteFunc(slices.Clone(l), func(v Value) bool { return v == nil })
				}
				if len(l) == 0 {
					return List{}, nil
				}
				lists[i] = l
				if total > (1<<40)/uint64(len(l)) {
					total = 1<<40 + 1
				} else {
					total *= uint64(len(l))
				}
			}
			steps := total * uint64(len(args))
			if total > 1<<40 {
				steps = 1 << 41
			}
			if err := c.Step(int(steps)); err != nil {
				return nil, err
			}
			out := make(List, 0, total)
			idx := make([]int, len(lists))
			for {
				t := make(List, len(lists))
				for i, l := range lists {
					t[i] = l[idx[i]]
				}
				out = append(out, t)
				i := len(idx) - 1
				for ; i >= 0; i-- {
					idx[i]++
					if idx[i] < len(lists[i]) {
						break
					}
					idx[i] = 0
				}
				if i < 0 {
					return out, nil
				}
			}
		},
	})
}

// listsKeys returns the sort/dedup key of each value: the value itself, or
// FUNCTION's result when the call has two arguments (FUNCTION, VALUES).
func listsKeys(c *Ctx, args []Expr, l List) (List, error) {
	if len(args) < 2 {
		return l, nil
	}
	keys := make(List, len(l))
	for i, v := range l {
		k, err := c.EvalWith(args[0], v)
		if err != nil {
			return nil, err
		}
		keys[i] = k
	}
	return keys, nil
}

func listsSorted(desc bool) func(c *Ctx, args []Expr) (Value, error) {
	return func(c *Ctx, args []Expr) (Value, error) {
		vals, err := args[len(args)-1].Eval(c)
		if err != nil {
			return nil, err
		}
		l, ok := vals.(List)
		if !ok {
			return vals, nil
		}
		keys, err := listsKeys(c, args, l)
		if err != nil {
			return nil, err
		}
		order := make([]int, len(l))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int {
			if desc {
				return Compare(keys[b], keys[a])
			}
			return Compare(keys[a], keys[b])
		})
		out := make(List, len(l))
		for i, j := range order {
			out[i] = l[j]
		}
		return out, nil
	}
}

// listsExtreme implements max (sign 1) and min (sign -1). Decision: null
// values, and values whose FUNCTION result is null, are skipped, so a
// missing property does not win min; the first of equal values wins.
func listsExtreme(sign int) func(c *Ctx, args []Expr) (Value, error) {
	return func(c *Ctx, args []Expr) (Value, error) {
		vals, err := args[len(args)-1].Eval(c)
		if err != nil {
			return nil, err
		}
		l := AsList(vals)
		keys, err := listsKeys(c, args, l)
		if err != nil {
			return nil, err
		}
		best := -1
		for i, k := range keys {
			if k == nil {
				continue
			}
			if best < 0 || Compare(k, keys[best])*sign > 0 {
				best = i
			}
		}
		if best < 0 {
			return nil, nil
		}
		return l[best], nil
	}
}

// listsIntArg reads an integer argument (a one-element list counts as its
// element). Integers too big for int64 are clamped, which for an index
// into a list means the same thing.
func listsIntArg(fn, name string, v Value) (int64, error) {
	switch x := First(v).(type) {
	case int64:
		return x, nil
	case *big.Int:
		if x.Sign() < 0 {
			return math.MinInt64, nil
		}
		return math.MaxInt64, nil
	}
	return 0, Errorf("%s: %s must be an integer, got %s", fn, name, listsDescribe(First(v)))
}

func listsBigArg(fn, name string, v Value) (*big.Int, error) {
	switch x := First(v).(type) {
	case int64:
		return big.NewInt(x), nil
	case *big.Int:
		return x, nil
	}
	return nil, Errorf("%s: %s must be an integer, got %s", fn, name, listsDescribe(First(v)))
}

func listsDescribe(v Value) string {
	s := EncodeJSON(v)
	if len(s) > 40 {
		s = append(s[:37:37], "..."...)
	}
	return KindOf(v).String() + " " + string(s)
}

// listsSum adds the numbers in l.
func listsSum(l List) (Value, error) {
	hasFloat, hasDec := false, false
	for _, v := range l {
		switch x := v.(type) {
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return listsFloatSum(l), nil
			}
			hasFloat = true
		case *apd.Decimal:
			if x.Form != apd.Finite {
				return listsFloatSum(l), nil
			}
			hasDec = true
		}
	}
	switch {
	case hasDec:
		ctx := apd.Context{MaxExponent: apd.MaxExponent, MinExponent: apd.MinExponent}
		sum := new(apd.Decimal)
		for _, v := range l {
			d, ok := ToDecimal(v)
			if !ok {
				continue
			}
			if _, err := ctx.Add(sum, sum, d); err != nil {
				return nil, Errorf("sum: %v", err)
			}
		}
		return sum, nil
	case hasFloat:
		return listsFloatSum(l), nil
	}
	var acc int64
	var bacc *big.Int
	for _, v := range l {
		switch x := v.(type) {
		case int64:
			if bacc != nil {
				bacc.Add(bacc, big.NewInt(x))
				continue
			}
			s := acc + x
			if (x > 0 && s < acc) || (x < 0 && s > acc) {
				bacc = new(big.Int).Add(big.NewInt(acc), big.NewInt(x))
				continue
			}
			acc = s
		case *big.Int:
			if bacc == nil {
				bacc = big.NewInt(acc)
			}
			bacc.Add(bacc, x)
		}
	}
	if bacc != nil {
		return Int(bacc), nil
	}
	return acc, nil
}

func listsFloatSum(l List) float64 {
	var s float64
	for _, v := range l {
		switch x := v.(type) {
		case int64:
			s += float64(x)
		case *big.Int:
			f, _ := new(big.Float).SetInt(x).Float64()
			s += f
		case float64:
			s += x
		case *apd.Decimal:
			f, _ := x.Float64()
			s += f
		}
	}
	return s
}
