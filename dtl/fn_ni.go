package dtl

import (
	"strings"
)

// Namespaced identifiers: the reference page
// dtl-functions-namespaced-identifiers.
//
// An NI in the global namespace ("~:bar") is NI{NS: "", ID: "bar"}. A
// string made into a global NI is split at its first ':' ("x:y" becomes
// NI{x, y}), so that it reads back the same after transit encoding.

func init() {
	RegisterFunc(&Func{
		Name: "is-ni", Family: "namespaced-identifiers",
		Args:    "VALUES(value-expression{1})",
		Doc:     "True if VALUES is a namespaced identifier, or a list whose first element is one.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["is-ni", ["ni", "foo:bar"]]`, Want: `true`},
			{Expr: `["is-ni", "foo:bar"]`, Want: `false`},
			{Expr: `["is-ni", ["list", ["ni", "foo:bar"], 12345]]`, Want: `true`},
			{Expr: `["is-ni", ["list", 1, ["ni", "foo:bar"]]]`, Want: `false`},
			{Expr: `["is-ni", "~:foo:bar"]`, Want: `true`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			_, ok := First(args[0]).(NI)
			return ok, nil
		},
	})

	// ni: URIs (only without NAMESPACE) are collapsed by the longest
	// matching namespace prefix. Where Sesam would invent a namespace
	// "<pipe>-<n>" for an unknown prefix, sluice uses the URI's scheme as
	// the namespace ("http://x.org/a" becomes "~:http://x.org/a"), as
	// ni-collapse does: it is stable across runs and expands back to the
	// same URI. NIs pass through unchanged when NAMESPACE is not given.
	RegisterFunc(&Func{
		Name: "ni", Family: "namespaced-identifiers",
		Args:    "NAMESPACE(string{0|1}), VALUES(value-expression{1})",
		Doc:     "Makes namespaced identifiers of the strings in VALUES, in NAMESPACE or else the global namespace; no escaping is done. Without NAMESPACE, URIs are collapsed into a namespace by their prefix. Other values are dropped.",
		MinArgs: 1, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["ni", "foo", "bar"]`, Want: `"~:foo:bar"`},
			{Expr: `["ni", "bar"]`, Want: `"~:bar"`},
			{Expr: `["ni", "foo", ["list", "bar", "x:y"]]`, Want: `["~:foo:bar", "~:foo:x:y"]`},
			{Expr: `["ni", "foo", ["uri", "http://example.org/"]]`, Want: `null`},
			{Expr: `["ni", ["uri", "http://example.org/bar"]]`, Want: `"~:_:bar"`},
			{Expr: `["ni", ["uri", "http://unknown.org/something/baz"]]`, Want: `"~:http://unknown.org/something/baz"`},
			{Expr: `["ni", "foo", ["list", 1, null, "a"]]`, Want: `["~:foo:a"]`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			vals := args[len(args)-1]
			if len(args) == 2 {
				ns, ok := First(args[0]).(string)
				if !ok {
					return nil, nil
				}
				if ns != "" {
					return MapValues(vals, func(v Value) (Value, bool) {
						s, ok := v.(string)
						return NI{NS: ns, ID: s}, ok
					}), nil
				}
			}
			prefixes := namespaceMap(c)
			return MapValues(vals, func(v Value) (Value, bool) {
				switch x := v.(type) {
				case string:
					return globalNI(x), true
				case NI:
					return x, true
				case URI:
					return collapseURI(string(x), prefixes, true)
				}
				return nil, false
			}), nil
		},
	})

	RegisterFunc(&Func{
		Name: "ni-collapse", Family: "namespaced-identifiers",
		Args:    "VALUES(value-expression{1})",
		Doc:     "Makes namespaced identifiers of the URLs (strings or URIs) in VALUES using the longest matching namespace prefix; the http and https namespaces are implicit, so an unmatched http(s) URL becomes e.g. \"~:http://example.com/path\". Other values are dropped.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["ni-collapse", "http://example.org/bar"]`, Want: `"~:_:bar"`},
			{Expr: `["ni-collapse", ["list", "http://example.org/bar", "http://example.org/baz"]]`, Want: `["~:_:bar", "~:_:baz"]`},
			{Expr: `["ni-collapse", "http://example.com/path"]`, Want: `"~:http://example.com/path"`},
			{Expr: `["ni-collapse", ["uri", "https://example.com/x"]]`, Want: `"~:https://example.com/x"`},
			{Expr: `["ni-collapse", ["list", "not a url", "urn:x:y", 1]]`, Want: `[]`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			prefixes := namespaceMap(c)
			return MapValues(args[0], func(v Value) (Value, bool) {
				switch x := v.(type) {
				case string:
					return collapseURI(x, prefixes, false)
				case URI:
					return collapseURI(string(x), prefixes, false)
				}
				return nil, false
			}), nil
		},
	})

	RegisterFunc(&Func{
		Name: "ni-expand", Family: "namespaced-identifiers",
		Args:    "VALUES(value-expression{1})",
		Doc:     "Makes URL strings of the namespaced identifiers in VALUES by replacing a known namespace with its prefix; an NI in an unknown namespace becomes the string \"ns:id\". Other values are dropped.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["ni-expand", "~:_:bar"]`, Want: `"http://example.org/bar"`},
			{Expr: `["ni-expand", ["list", "~:_:bar", "~:_:baz"]]`, Want: `["http://example.org/bar", "http://example.org/baz"]`},
			{Expr: `["ni-expand", "~:http://example.com/path"]`, Want: `"http://example.com/path"`},
			{Expr: `["ni-expand", "~:unknown:path"]`, Want: `"unknown:path"`},
			{Expr: `["ni-expand", ["list", "foo:bar", 1]]`, Want: `[]`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			prefixes := namespaceMap(c)
			return MapValues(args[0], func(v Value) (Value, bool) {
				n, ok := v.(NI)
				if !ok {
					return nil, false
				}
				return expandNI(n, prefixes), true
			}), nil
		},
	})

	// ni-id and ni-ns accept strings as well: "foo:bar" splits at its first
	// ':' and a string without one is all identifier (namespace "").
	RegisterFunc(&Func{
		Name: "ni-id", Family: "namespaced-identifiers",
		Args:    "VALUES(value-expression{1})",
		Doc:     "The identifier part of the namespaced identifiers and \"namespace:id\" strings in VALUES; other values are dropped.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["ni-id", "~:foo:bar"]`, Want: `"bar"`},
			{Expr: `["ni-id", "foo:bar"]`, Want: `"bar"`},
			{Expr: `["ni-id", "bar"]`, Want: `"bar"`},
			{Expr: `["ni-id", ["list", "~:foo:bar", "~:bar:baz"]]`, Want: `["bar", "baz"]`},
			{Expr: `["ni-id", ["list", "foo:bar", "bar:baz"]]`, Want: `["bar", "baz"]`},
			{Expr: `["ni-id", ["list", "~:foo:x:y", 1]]`, Want: `["x:y"]`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			return MapValues(args[0], func(v Value) (Value, bool) {
				n, ok := niParts(v)
				return n.ID, ok
			}), nil
		},
	})

	RegisterFunc(&Func{
		Name: "ni-ns", Family: "namespaced-identifiers",
		Args:    "VALUES(value-expression{1})",
		Doc:     "The namespace part of the namespaced identifiers and \"namespace:id\" strings in VALUES (\"\" for a string without ':'); other values are dropped.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["ni-ns", "~:foo:bar"]`, Want: `"foo"`},
			{Expr: `["ni-ns", "foo:bar"]`, Want: `"foo"`},
			{Expr: `["ni-ns", "foo"]`, Want: `""`},
			{Expr: `["ni-ns", ["list", "~:foo:bar", "~:bar:baz"]]`, Want: `["foo", "bar"]`},
			{Expr: `["ni-ns", ["list", "foo:bar", "bar:baz"]]`, Want: `["foo", "bar"]`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			return MapValues(args[0], func(v Value) (Value, bool) {
				n, ok := niParts(v)
				return n.NS, ok
			}), nil
		},
	})
}

// globalNI makes s an NI in the global namespace.
func globalNI(s string) NI {
	if i := strings.IndexByte(s, ':'); i >= 0 {
		return NI{NS: s[:i], ID: s[i+1:]}
	}
	return NI{ID: s}
}

// niParts reads an NI or a "namespace:id" string.
func niParts(v Value) (NI, bool) {
	switch x := v.(type) {
	case NI:
		return x, true
	case string:
		return globalNI(x), true
	}
	return NI{}, false
}

// defaultNamespaces are the namespace prefixes known without any
// configuration: http://example.org/ is the "_" namespace, as in Sesam.
var defaultNamespaces = map[string]string{"_": "http://example.org/"}

// namespaceMap returns the namespace → URI prefix map that ni, ni-collapse
// and ni-expand use (Sesam's namespaces.default service metadata). sluice
// has no such setting yet, so it is the defaults.
func namespaceMap(c *Ctx) map[string]string { return defaultNamespaces }

// collapseURI makes an NI of a URI by its longest matching prefix. With no
// match, an http or https URL (any scheme when anyScheme) becomes an NI
// whose namespace is the scheme; anything else reports false.
func collapseURI(s string, prefixes map[string]string, anyScheme bool) (Value, bool) {
	bestNS, bestLen := "", -1
	for ns, p := range prefixes {
		if len(p) > bestLen && strings.HasPrefix(s, p) {
			bestNS, bestLen = ns, len(p)
		} else if len(p) == bestLen && strings.HasPrefix(s, p) && ns < bestNS {
			bestNS = ns // same prefix under two names: pick one deterministically
		}
	}
	if bestLen >= 0 {
		return NI{NS: bestNS, ID: s[bestLen:]}, true
	}
	i := strings.IndexByte(s, ':')
	if i <= 0 {
		return nil, false
	}
	scheme := s[:i]
	if !anyScheme && scheme != "http" && scheme != "https" {
		return nil, false
	}
	if !validScheme(scheme) {
		return nil, false
	}
	return NI{NS: scheme, ID: s[i+1:]}, true
}

// validScheme reports whether s is a URI scheme: a letter, then letters,
// digits, '+', '-' or '.'.
func validScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return s != ""
}

// expandNI turns an NI back into a URL string.
func expandNI(n NI, prefixes map[string]string) string {
	if p, ok := prefixes[n.NS]; ok && n.NS != "" {
		return p + n.ID
	}
	if n.NS == "" {
		return n.ID
	}
	return n.NS + ":" + n.ID
}
