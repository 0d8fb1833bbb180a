package dtl

import (
	"fmt"
	"strings"

	"github.com/sluice-sync/sluice/pipes"
)

// Dictionaries: the reference page dtl-functions-dictionaries (apply and
// apply-hops, also listed there, live with the core).

func init() {
	// dict: keys must be strings; pairs (and ITEMS tuples) whose key is not
	// a string are dropped, as the reference drops values that are not
	// two-element tuples. An odd number of arguments above one is refused
	// at compile time.
	RegisterFunc(&Func{
		Name: "dict", Family: "dictionaries",
		Args:    "EMPTY{0} or ITEMS(value-expression{1}) or (KEY(value-expression{1}), VALUE(value-expression{1})){>=0}",
		Doc:     "Builds a dict: with no arguments {}; with one argument from a list of [key, value] tuples (other values are ignored); otherwise from KEY, VALUE argument pairs. The last of repeated keys wins.",
		MinArgs: 0, MaxArgs: -1,
		Examples: []Example{
			{Expr: `["dict"]`, Want: `{}`},
			{Expr: `["dict", ["list", ["list", "A", 1], ["list", "B", 2], ["list", "C", 3]]]`, Want: `{"A": 1, "B": 2, "C": 3}`},
			{Expr: `["dict", ["list", "X", 123, ["list", "A", 1]]]`, Want: `{"A": 1}`},
			{Expr: `["dict", "a", ["upper", "a"], ["lower", "B"], "B"]`, Want: `{"a": "A", "b": "B"}`},
			{Expr: `["dict", ["items", "_S."]]`, Source: `{"x": 1, "y": [2]}`, Want: `{"x": 1, "y": [2]}`},
			{Expr: `["dict", "a", 1, "a", 2]`, Want: `{"a": 2}`},
			{Expr: `["dict", ["list", ["list", 1, "one"], ["list", "k", "v", "extra"]]]`, Want: `{}`},
		},
		Check: func(args []*pipes.Node) error {
			if len(args) > 1 && len(args)%2 != 0 {
				return fmt.Errorf("takes no arguments, one list of [key, value] tuples, or KEY, VALUE pairs; got %d arguments", len(args))
			}
			return nil
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			if len(args)%2 != 0 && len(args) != 1 {
				return nil, Errorf("dict: odd number of KEY, VALUE arguments")
			}
			if len(args) == 1 {
				items := AsList(args[0])
				d := NewDict(len(items))
				for _, it := range items {
					t, ok := it.(List)
					if !ok || len(t) != 2 {
						continue
					}
					if k, ok := t[0].(string); ok {
						d.Set(k, t[1])
					}
				}
				return d, nil
			}
			d := NewDict(len(args) / 2)
			for i := 0; i+1 < len(args); i += 2 {
				if k, ok := args[i].(string); ok {
					d.Set(k, args[i+1])
				}
			}
			return d, nil
		},
	})

	RegisterFunc(&Func{
		Name: "is-dict", Family: "dictionaries",
		Args:    "VALUES(value-expression{1})",
		Doc:     "True if VALUES is a dict, or a list whose first element is a dict.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["is-dict", "_S."]`, Source: `{"_id": "1"}`, Want: `true`},
			{Expr: `["is-dict", ["list", {"a": 1}, 123]]`, Want: `true`},
			{Expr: `["is-dict", ["list", 123, {"a": 1}]]`, Want: `false`},
			{Expr: `["is-dict", "abc"]`, Want: `false`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			_, ok := First(args[0]).(*Dict)
			return ok, nil
		},
	})

	// has-key: a KEY that is not a string (after taking the first element
	// of a list) is never a member, so the answer is false.
	RegisterFunc(&Func{
		Name: "has-key", Family: "dictionaries",
		Args:    "KEY(value-expression{1}), VALUES(value-expression{1})",
		Doc:     "True if the dict VALUES (or the first element of a list) has the member KEY, false if not; null when it is not a dict.",
		MinArgs: 2, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["has-key", "a", {"a": 1}]`, Want: `true`},
			{Expr: `["has-key", "b", {"a": 1}]`, Want: `false`},
			{Expr: `["has-key", "a", ["list", {"a": 1}, 123]]`, Want: `true`},
			{Expr: `["has-key", "b", ["list", {"a": 1}, {"b": 1}]]`, Want: `false`},
			{Expr: `["has-key", "a", ["list", 123, {"a": 1}]]`, Want: `null`},
			{Expr: `["has-key", "a", {"a": null}]`, Want: `true`},
			{Expr: `["has-key", 1, {"a": 1}]`, Want: `false`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			d, ok := First(args[1]).(*Dict)
			if !ok {
				return nil, nil
			}
			k, ok := First(args[0]).(string)
			return ok && d.Has(k), nil
		},
	})

	RegisterFunc(&Func{
		Name: "items", Family: "dictionaries",
		Args:    "DICTS(value-expression{1})",
		Doc:     "The [key, value] tuples of the dicts in DICTS, in order; other values are ignored. A single dict with one member gives its one tuple.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["items", ["list", {"A": 1, "B": 2}, {"C": 3}]]`, Want: `[["A", 1], ["B", 2], ["C", 3]]`},
			{Expr: `["items", ["list", "X", 123, {"A": 1}]]`, Want: `[["A", 1]]`},
			{Expr: `["items", {"A": 1, "B": 2}]`, Want: `[["A", 1], ["B", 2]]`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			return dictMembers(args[0], func(k string, v Value) Value { return List{k, v} }), nil
		},
	})

	RegisterFunc(&Func{
		Name: "key-values", Family: "dictionaries",
		Args:    "DICTS(value-expression{1})",
		Doc:     "One {\"key\": …, \"value\": …} dict per member of the dicts in DICTS, in order; other values are ignored. A single dict with one member gives one dict.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["key-values", ["list", {"A": 1, "B": 2}, 123, {"C": 3, "A": 1}]]`,
				Want: `[{"key": "A", "value": 1}, {"key": "B", "value": 2}, {"key": "C", "value": 3}, {"key": "A", "value": 1}]`},
			{Expr: `["key-values", {"hello": "world"}]`, Want: `{"key": "hello", "value": "world"}`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			return dictMembers(args[0], func(k string, v Value) Value {
				d := NewDict(2)
				d.Set("key", k)
				d.Set("value", v)
				return d
			}), nil
		},
	})

	RegisterFunc(&Func{
		Name: "keys", Family: "dictionaries",
		Args:    "DICTS(value-expression{1})",
		Doc:     "The keys of the dicts in DICTS, in order (repeated keys repeat); other values are ignored.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["keys", ["list", {"A": 1, "B": 2}, {"A": 1, "C": 3}]]`, Want: `["A", "B", "A", "C"]`},
			{Expr: `["keys", ["list", "X", 123, {"A": 1}]]`, Want: `["A"]`},
			{Expr: `["keys", "_S."]`, Source: `{"_id": "x", "n": 1}`, Want: `["_id", "n"]`},
			{Expr: `["keys", "abc"]`, Want: `null`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			return dictMembers(args[0], func(k string, v Value) Value { return k }), nil
		},
	})

	RegisterFunc(&Func{
		Name: "values", Family: "dictionaries",
		Args:    "DICTS(value-expression{1})",
		Doc:     "The member values of the dicts in DICTS, in order; other values are ignored.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["values", ["list", {"A": 1, "B": 2}, {"A": 1, "C": 3}]]`, Want: `[1, 2, 1, 3]`},
			{Expr: `["values", ["list", "X", 123, {"A": 1}]]`, Want: `[1]`},
			{Expr: `["values", {"A": [1, 2]}]`, Want: `[1, 2]`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			return dictMembers(args[0], func(k string, v Value) Value { return v }), nil
		},
	})

	// path: steps that are not strings are ignored, so an empty path gives
	// VALUES back. With namespaced identifiers on, an unqualified step
	// ("a") matches "a" and every "<ns>:a"; when more than one member
	// matches, their values are joined into one list (nulls dropped, lists
	// spread). "::a" means exactly "a", ":a" the property namespace's "a".
	RegisterFunc(&Func{
		Name: "path", Family: "dictionaries",
		Args:    "PROPERTY_PATH(value-expression{1}), VALUES(value-expression{1})",
		Doc:     "Follows PROPERTY_PATH (a property name or a list of them, taken literally) from each dict in VALUES, the way \"_S.a.b\" paths do: lists met on the way are walked and their results collected into one list.",
		MinArgs: 2, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["path", "age", ["list", {"age": 23}, {"age": 24}]]`, Want: `[23, 24]`},
			{Expr: `["path", ["list", "order_lines", "item_name"], "_S.orders"]`,
				Source: `{"orders": [{"order_lines": [{"item_name": "nut"}, {"item_name": "bolt"}]}, {"order_lines": {"item_name": "gear"}}]}`,
				Want:   `["nut", "bolt", "gear"]`},
			{Expr: `["path", "age", {"age": 24}]`, Want: `24`},
			{Expr: `["path", "foo", {"bar": 123}]`, Want: `null`},
			{Expr: `["path", ["list", "a", "b"], ["list", {"a": {"b": 1}}, {"a": [{"b": 2}, {"b": 3}]}]]`, Want: `[1, 2, 3]`},
			{Expr: `["path", ["list", 1], {"age": 24}]`, Want: `{"age": 24}`},
			{Expr: `["path", ["list"], {"age": 24}]`, Want: `{"age": 24}`},
			{Expr: `["path", "a.b", {"a.b": 1, "a": {"b": 2}}]`, Want: `1`},
			{Expr: `["path", "a", null]`, Want: `null`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			var steps []string
			for _, s := range AsList(args[0]) {
				if str, ok := s.(string); ok {
					steps = append(steps, str)
				}
			}
			opts := ctxOptions(c)
			if !opts.NamespacedIdentifiers {
				return Walk(args[1], steps), nil
			}
			return walkNI(args[1], steps, opts), nil
		},
	})

	RegisterFunc(&Func{
		Name: "apply-ns", Family: "dictionaries",
		Args:    "NAMESPACE_OR_CONFIGDICT(string|dict{1}), VALUES(value-expression{1})",
		Doc:     "Adds namespaces to the property names of the dicts in VALUES (recursively by default), like the add_namespaces pipe property: a namespace string, or a dict of property_namespace, identity_namespace, skip_underscore, skip_dollar and recursive. Names already holding a \":\" are kept; _id's value gets the identity namespace.",
		MinArgs: 2, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["apply-ns", "myns", {"_id": "123", "foo": 1, "$bar": {"baz": 2}}]`,
				Want: `{"_id": "myns:123", "myns:foo": 1, "$bar": {"baz": 2}}`},
			{Expr: `["apply-ns", {"property_namespace": "myns", "identity_namespace": "myns", "skip_underscore": false, "skip_dollar": false, "recursive": true}, {"_id": "123", "foo": 1, "$bar": {"baz": 2}}]`,
				Want: `{"myns:_id": "myns:123", "myns:foo": 1, "myns:$bar": {"myns:baz": 2}}`},
			{Expr: `["apply-ns", {"property_namespace": "myns", "identity_namespace": null, "skip_underscore": false, "skip_dollar": false, "recursive": false}, {"_id": "123", "myns:foo": 1, "$bar": {"baz": 2}}]`,
				Want: `{"myns:_id": "123", "myns:foo": 1, "myns:$bar": {"baz": 2}}`},
			{Expr: `["apply-ns", "ns", ["list", {"a": [{"b": 1}, 2]}, "not a dict"]]`, Want: `[{"ns:a": [{"ns:b": 1}, 2]}]`},
		},
		Check: func(args []*pipes.Node) error {
			switch a := args[0]; a.Kind {
			case pipes.String:
				return nil
			case pipes.Object:
				for _, m := range a.Members {
					switch m.Key {
					case "property_namespace", "identity_namespace":
						if m.Value.Kind != pipes.String && m.Value.Kind != pipes.Null {
							return fmt.Errorf("%s must be a string or null", m.Key)
						}
					case "skip_underscore", "skip_dollar", "recursive":
						if m.Value.Kind != pipes.Bool {
							return fmt.Errorf("%s must be true or false", m.Key)
						}
					default:
						return fmt.Errorf("unknown setting %q; the settings are property_namespace, identity_namespace, skip_underscore, skip_dollar and recursive", m.Key)
					}
				}
				return nil
			}
			return fmt.Errorf("the first argument must be a namespace string or a settings dict")
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			cfg, err := nsConfig(c, args[0])
			if err != nil {
				return nil, err
			}
			return MapValues(args[1], func(v Value) (Value, bool) {
				d, ok := v.(*Dict)
				if !ok {
					return nil, false
				}
				return cfg.apply(d), true
			}), nil
		},
	})
}

// ctxOptions returns the compile options of the running program.
func ctxOptions(c *Ctx) Options {
	if c == nil || c.run == nil || c.run.prog == nil {
		return Options{}
	}
	return c.run.prog.opts
}

// dictMembers maps each member of the dicts in v through fn. A list in
// gives a list out; a single dict gives its one result, or a list when it
// has zero or several members (the reference's key-values example maps
// one one-member dict to one dict); anything else gives null.
func dictMembers(v Value, fn func(k string, v Value) Value) Value {
	var out List
	add := func(x Value) {
		d, ok := x.(*Dict)
		if !ok {
			return
		}
		d.Range(func(k string, mv Value) bool {
			out = append(out, fn(k, mv))
			return true
		})
	}
	if l, ok := v.(List); ok {
		out = List{}
		for _, x := range l {
			add(x)
		}
		return out
	}
	if _, ok := v.(*Dict); !ok {
		return nil
	}
	add(v)
	if len(out) == 1 {
		return out[0]
	}
	if out == nil {
		out = List{}
	}
	return out
}

// walkNI is Walk with namespaced identifiers on: see path.
func walkNI(v Value, steps []string, opts Options) Value {
	return walkWith(v, steps, func(d *Dict, s string) Value { return niMember(d, s, opts) })
}

// niMember reads step s of d with namespaced identifiers on.
func niMember(d *Dict, s string, opts Options) Value {
	if strings.HasPrefix(s, ":") && !strings.HasPrefix(s, "::") {
		v, _ := d.Get(opts.PropertyNamespace + s)
		return v
	}
	return nsMember(d, s)
}

// nsMember is niMember for a step that is not ":a": "::a" is exactly "a",
// an unqualified name is found in every namespace, anything else as is.
func nsMember(d *Dict, s string) Value {
	switch {
	case strings.HasPrefix(s, "::"):
		v, _ := d.Get(s[2:])
		return v
	case unqualified(s):
		return d.inAnyNamespace(s)
	}
	v, _ := d.Get(s)
	return v
}

// nsSettings are apply-ns's settings; a nil namespace adds none.
type nsSettings struct {
	property, identity         *string
	skipUnderscore, skipDollar bool
	recursive                  bool
}

func nsConfig(c *Ctx, arg Value) (*nsSettings, error) {
	opts := ctxOptions(c)
	prop, ident := opts.PropertyNamespace, opts.IdentityNamespace
	cfg := &nsSettings{property: &prop, identity: &ident, skipUnderscore: true, skipDollar: true, recursive: true}
	switch a := arg.(type) {
	case string:
		cfg.property, cfg.identity = &a, &a
	case *Dict:
		var err error
		a.Range(func(k string, v Value) bool {
			switch k {
			case "property_namespace", "identity_namespace":
				var p *string
				switch s := v.(type) {
				case string:
					p = &s
				case nil:
				default:
					err = Errorf("apply-ns: %s must be a string or null", k)
					return false
				}
				if k == "property_namespace" {
					cfg.property = p
				} else {
					cfg.identity = p
				}
			case "skip_underscore", "skip_dollar", "recursive":
				b, ok := v.(bool)
				if !ok {
					err = Errorf("apply-ns: %s must be true or false", k)
					return false
				}
				switch k {
				case "skip_underscore":
					cfg.skipUnderscore = b
				case "skip_dollar":
					cfg.skipDollar = b
				default:
					cfg.recursive = b
				}
			default:
				err = Errorf("apply-ns: unknown setting %q", k)
				return false
			}
			return true
		})
		if err != nil {
			return nil, err
		}
	default:
		return nil, Errorf("apply-ns: the first argument must be a namespace string or a settings dict")
	}
	// An empty namespace (no pipe to default to) adds nothing.
	if cfg.property != nil && *cfg.property == "" {
		cfg.property = nil
	}
	if cfg.identity != nil && *cfg.identity == "" {
		cfg.identity = nil
	}
	return cfg, nil
}

// apply returns a namespaced copy of d.
func (cfg *nsSettings) apply(d *Dict) *Dict {
	out := NewDict(d.Len())
	d.Range(func(k string, v Value) bool {
		skipped := (cfg.skipUnderscore && strings.HasPrefix(k, "_")) || (cfg.skipDollar && strings.HasPrefix(k, "$"))
		if k == "_id" && cfg.identity != nil {
			if s, ok := v.(string); ok {
				v = *cfg.identity + ":" + s
			}
		}
		if skipped {
			out.Set(k, v)
			return true
		}
		if cfg.recursive {
			v = cfg.nested(v)
		}
		if cfg.property != nil && !strings.Contains(k, ":") {
			k = *cfg.property + ":" + k
		}
		out.Set(k, v)
		return true
	})
	return out
}

func (cfg *nsSettings) nested(v Value) Value {
	switch x := v.(type) {
	case *Dict:
		return cfg.apply(x)
	case List:
		out := make(List, len(x))
		for i, e := range x {
			out[i] = cfg.nested(e)
		}
		return out
	}
	return v
}

func init() {
	RegisterFunc(&Func{
		Name: "strip-ns", Family: "dictionaries",
		Args:    "VALUES(value-expression{1})",
		Doc:     "Removes the namespaces from the property names of the dicts in VALUES, recursively (through nested dicts and the dicts in lists), as the remove_namespaces pipe property does for entities: what comes before the first \":\" of a name goes. Values, _id's included, are kept as they are; anything but a dict in VALUES is dropped. Names that become equal keep the last value.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["strip-ns", {"ns1:b": 1, "ns2:c": 2}]`, Want: `{"b": 1, "c": 2}`},
			{Expr: `["strip-ns", {"myns:_id": "myns:123", "myns:foo": 1, "myns:$bar": {"myns:baz": [{"x:y": 2}, 3]}, "plain": true}]`,
				Want: `{"_id": "myns:123", "foo": 1, "$bar": {"baz": [{"y": 2}, 3]}, "plain": true}`},
			{Expr: `["strip-ns", ["list", {"a:b": 1}, "not a dict", {"c:d:e": 2}]]`, Want: `[{"b": 1}, {"d:e": 2}]`},
			{Expr: `["strip-ns", ["apply-ns", "myns", {"_id": "123", "foo": {"bar": 1}}]]`, Want: `{"_id": "myns:123", "foo": {"bar": 1}}`},
		},
		Eval: func(_ *Ctx, args []Value) (Value, error) {
			return MapValues(args[0], func(v Value) (Value, bool) {
				d, ok := v.(*Dict)
				if !ok {
					return nil, false
				}
				return stripNamespaces(d), true
			}), nil
		},
	})
}

// stripNamespaces is d with every property name, at any depth, without
// its namespace.
func stripNamespaces(d *Dict) *Dict {
	out := NewDict(d.Len())
	d.Range(func(k string, v Value) bool {
		if _, id, found := strings.Cut(k, ":"); found {
			k = id
		}
		out.Set(k, stripNestedNamespaces(v))
		return true
	})
	return out
}

func stripNestedNamespaces(v Value) Value {
	switch x := v.(type) {
	case *Dict:
		return stripNamespaces(x)
	case List:
		out := make(List, len(x))
		for i, e := range x {
			out[i] = stripNestedNamespaces(e)
		}
		return out
	}
	return v
}
