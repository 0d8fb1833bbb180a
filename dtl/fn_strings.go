package dtl

import (
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"
)

// The strings family. Lengths, widths and indexes count characters
// (Unicode code points), as Sesam (Python) does, not bytes.
//
// Scalar parameters that come before VALUES (SEPARATOR, CHARACTERS, WIDTH,
// PATTERN, …) may be given as a list; the first element is used, as the
// reference says for PATTERN.

func init() {
	RegisterFunc(&Func{
		Name: "string", Family: "strings",
		Args: "VALUES(value-expression{1})",
		Doc: "Translates every non-null value in VALUES to a string. Lists and dicts become JSON (no transit encoding, sorted keys), " +
			"bytes are decoded as UTF-8, typed values give their plain text (datetime \"2015-01-01T00:00:00Z\", NI \"ns:id\", URI, UUID, decimal digits), booleans \"true\"/\"false\".",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["string", 1]`, Want: `"1"`},
			{Expr: `["string", "hello"]`, Want: `"hello"`},
			{Expr: `["string", null]`, Want: `null`},
			{Expr: `["string", ["list", "abc", ["list", 1, 2, 3], {"b": 2, "a": 1}, ["uri", "http://www.example.org/"], 124.4, 12345]]`,
				Want: `["abc", "[1, 2, 3]", "{\"a\": 1, \"b\": 2}", "http://www.example.org/", "124.4", "12345"]`},
			{Expr: `["string", ["list", "~t2015-07-28T09:46:00.12345Z", "~f1.50", "~:foo:bar", "~u9f598f65-eea5-4906-a8f5-82f6d8e69726", true, null, 2.0, "~bYWJj"]]`,
				Want: `["2015-07-28T09:46:00.12345Z", "1.50", "foo:bar", "9f598f65-eea5-4906-a8f5-82f6d8e69726", "true", "2.0", "abc"]`},
			{Expr: `["string", 123456789012345678901234567890]`, Want: `"123456789012345678901234567890"`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			return MapValues(args[0], func(v Value) (Value, bool) {
				return plainText(v)
			}), nil
		},
	})
	RegisterFunc(&Func{
		Name: "is-string", Family: "strings",
		Args:    "VALUES(value-expression{1})",
		Doc:     "True if the value, or the first element of a list, is a string.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["is-string", "foo:bar"]`, Want: `true`},
			{Expr: `["is-string", 1]`, Want: `false`},
			{Expr: `["is-string", ["list", "foo:bar", 12345]]`, Want: `true`},
			{Expr: `["is-string", ["list", 1, "foo:bar"]]`, Want: `false`},
			{Expr: `["is-string", ["uri", "foo:bar"]]`, Want: `false`},
			{Expr: `["is-string", ["list"]]`, Want: `false`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			_, ok := First(args[0]).(string)
			return ok, nil
		},
	})
	RegisterFunc(&Func{
		Name: "upper", Family: "strings",
		Args:    "VALUES(value-expression{1})",
		Doc:     "Upper-cases each string in VALUES; other values are dropped.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["upper", ["list", "a", "b", "c"]]`, Want: `["A", "B", "C"]`},
			{Expr: `["upper", "_S.name"]`, Source: `{"_id": "1", "name": "John"}`, Want: `"JOHN"`},
			{Expr: `["upper", ["list", "æøå", 1]]`, Want: `["ÆØÅ"]`},
			{Expr: `["upper", 1]`, Want: `null`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			return mapStrings(args[0], strings.ToUpper), nil
		},
	})
	RegisterFunc(&Func{
		Name: "lower", Family: "strings",
		Args:    "VALUES(value-expression{1})",
		Doc:     "Lower-cases each string in VALUES; other values are dropped.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["lower", ["list", "A", "B", "C"]]`, Want: `["a", "b", "c"]`},
			{Expr: `["lower", "_S.name"]`, Source: `{"_id": "1", "name": "John"}`, Want: `"john"`},
			{Expr: `["lower", ["list", "ÆØÅ", null]]`, Want: `["æøå"]`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			return mapStrings(args[0], strings.ToLower), nil
		},
	})
	RegisterFunc(&Func{
		Name: "length", Family: "strings",
		Args: "VALUES(value-expression{1})",
		// Decision: as the reference says, only strings are measured (in
		// characters); lists are mapped over, not counted — use "count"
		// for the number of elements.
		Doc:     "Returns the length in characters of each string in VALUES; other values are dropped. (Use count for the number of elements of a list.)",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["length", ["list", "", "a", "bb", "ccc"]]`, Want: `[0, 1, 2, 3]`},
			{Expr: `["length", "_S.name"]`, Source: `{"_id": "1", "name": "John"}`, Want: `4`},
			{Expr: `["length", "æøå"]`, Want: `3`},
			{Expr: `["length", ["list", 1, ["list", "a"], "ab"]]`, Want: `[2]`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			return MapValues(args[0], func(v Value) (Value, bool) {
				s, ok := v.(string)
				if !ok {
					return nil, false
				}
				return int64(utf8.RuneCountInString(s)), true
			}), nil
		},
	})
	RegisterFunc(&Func{
		Name: "concat", Family: "strings",
		Args: "VALUES(value-expression{>0})",
		// Decision: the result is always a string, "" when no argument
		// holds a string (the reference: ["concat", 123, 3.14] is "").
		// Lists are flattened one level; nested lists are not strings.
		Doc:     "Concatenates the strings in its arguments (lists are flattened one level); other values are ignored. Always returns a string.",
		MinArgs: 1, MaxArgs: -1,
		Examples: []Example{
			{Expr: `["concat", ["list", "a", "b", "c"]]`, Want: `"abc"`},
			{Expr: `["concat", "_S.tags"]`, Source: `{"_id": "1", "tags": ["x", "y"]}`, Want: `"xy"`},
			{Expr: `["concat", "Hello ", "_S.name", "!"]`, Source: `{"_id": "1", "name": "John"}`, Want: `"Hello John!"`},
			{Expr: `["concat", "a", ["list", "b", "c"], "d", 123, ["list", "!"]]`, Want: `"abcd!"`},
			{Expr: `["concat", 123, 3.14]`, Want: `""`},
			{Expr: `["concat", null]`, Want: `""`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			var b strings.Builder
			for _, a := range args {
				for _, v := range AsList(a) {
					if s, ok := v.(string); ok {
						b.WriteString(s)
					}
				}
			}
			return b.String(), nil
		},
	})
	RegisterFunc(&Func{
		Name: "join", Family: "strings",
		Args: "SEPARATOR(string{1}), VALUES(value-expression{1})",
		// Decision: a SEPARATOR that is not a string gives null; an
		// empty VALUES gives "".
		Doc:     "Joins the strings in VALUES with SEPARATOR; other values are ignored.",
		MinArgs: 2, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["join", "-", ["list", "a", "b", 123, "c"]]`, Want: `"a-b-c"`},
			{Expr: `["join", "-", "_S.tags"]`, Source: `{"_id": "1", "tags": ["x", "y", "z"]}`, Want: `"x-y-z"`},
			{Expr: `["join", ", ", "a"]`, Want: `"a"`},
			{Expr: `["join", "-", ["list"]]`, Want: `""`},
			{Expr: `["join", 1, ["list", "a", "b"]]`, Want: `null`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			sep, ok := First(args[0]).(string)
			if !ok {
				return nil, nil
			}
			var parts []string
			for _, v := range AsList(args[1]) {
				if s, ok := v.(string); ok {
					parts = append(parts, s)
				}
			}
			return strings.Join(parts, sep), nil
		},
	})
	RegisterFunc(&Func{
		Name: "split", Family: "strings",
		Args: "SEPARATOR(string{0|1}), VALUES(value-expression{1})",
		// Decisions: without SEPARATOR, strings are split on runs of
		// whitespace with empty parts dropped (Python's str.split()); an
		// empty SEPARATOR splits into characters. The result is one flat
		// list of the parts of all strings; null (or a non-string
		// scalar) gives null.
		Doc: "Splits each string in VALUES by SEPARATOR and returns one flat list of the parts; other values are ignored. " +
			"Without SEPARATOR it splits on whitespace; an empty SEPARATOR splits into characters.",
		MinArgs: 1, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["split", "-", "a-b-c"]`, Want: `["a", "b", "c"]`},
			{Expr: `["split", "", "abc"]`, Want: `["a", "b", "c"]`},
			{Expr: `["split", "", ["list", "ab", "cd", "e"]]`, Want: `["a", "b", "c", "d", "e"]`},
			{Expr: `["split", "-", ["list", "a-b", "c-d", "e"]]`, Want: `["a", "b", "c", "d", "e"]`},
			{Expr: `["split", "-", "_S.uuid"]`, Source: `{"_id": "1", "uuid": "9f598f65-eea5-4906"}`, Want: `["9f598f65", "eea5", "4906"]`},
			{Expr: `["split", "  a b\t c "]`, Want: `["a", "b", "c"]`},
			{Expr: `["split", ",", "a,,b,"]`, Want: `["a", "", "b", ""]`},
			{Expr: `["split", ",", null]`, Want: `null`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			values := args[len(args)-1]
			splitOne := strings.Fields
			if len(args) == 2 {
				sep, ok := First(args[0]).(string)
				if !ok {
					return nil, nil
				}
				splitOne = func(s string) []string { return strings.Split(s, sep) }
			}
			if l, ok := values.(List); ok {
				out := List{}
				for _, v := range l {
					if s, ok := v.(string); ok {
						for _, p := range splitOne(s) {
							out = append(out, p)
						}
					}
				}
				return out, nil
			}
			s, ok := values.(string)
			if !ok {
				return nil, nil
			}
			parts := splitOne(s)
			out := make(List, len(parts))
			for i, p := range parts {
				out[i] = p
			}
			return out, nil
		},
	})
	for _, st := range []struct {
		name, side string
		trim       func(s, cutset string) string
		trimSpace  func(s string) string
		examples   []Example
	}{
		{"strip", "both sides", strings.Trim, func(s string) string { return strings.TrimFunc(s, isPySpace) }, []Example{
			{Expr: `["strip", ["list", " ab ", "cd ", "ef"]]`, Want: `["ab", "cd", "ef"]`},
			{Expr: `["strip", "  abc"]`, Want: `"abc"`},
			{Expr: `["strip", "_S.name"]`, Source: `{"_id": "1", "name": " John\n"}`, Want: `"John"`},
			{Expr: `["strip", "xy", ["list", "123xyx", "xy456yx"]]`, Want: `["123", "456"]`},
		}},
		{"lstrip", "the left side", strings.TrimLeft, func(s string) string { return strings.TrimLeftFunc(s, isPySpace) }, []Example{
			{Expr: `["lstrip", ["list", " ab ", "cd ", "ef"]]`, Want: `["ab ", "cd ", "ef"]`},
			{Expr: `["lstrip", "  abc"]`, Want: `"abc"`},
			{Expr: `["lstrip", "_S.name"]`, Source: `{"_id": "1", "name": " John "}`, Want: `"John "`},
			{Expr: `["lstrip", "xy", ["list", "123xyx", "xy456yx"]]`, Want: `["123xyx", "456yx"]`},
		}},
		{"rstrip", "the right side", strings.TrimRight, func(s string) string { return strings.TrimRightFunc(s, isPySpace) }, []Example{
			{Expr: `["rstrip", ["list", " ab ", "cd ", "ef"]]`, Want: `[" ab", "cd", "ef"]`},
			{Expr: `["rstrip", "  abc"]`, Want: `"  abc"`},
			{Expr: `["rstrip", "_S.name"]`, Source: `{"_id": "1", "name": " John "}`, Want: `" John"`},
			{Expr: `["rstrip", "xy", ["list", "123xyx", "xy456yx"]]`, Want: `["123", "xy456"]`},
		}},
	} {
		st := st
		RegisterFunc(&Func{
			Name: st.name, Family: "strings",
			Args: "CHARACTERS(string{0|1}), VALUES(value-expression{1})",
			// Decision: a CHARACTERS argument that is not a string gives null.
			Doc:     "Removes the characters in CHARACTERS (default: whitespace) from " + st.side + " of each string in VALUES; other values are dropped.",
			MinArgs: 1, MaxArgs: 2,
			Examples: st.examples,
			Eval: func(c *Ctx, args []Value) (Value, error) {
				fn := st.trimSpace
				if len(args) == 2 {
					cut, ok := First(args[0]).(string)
					if !ok {
						return nil, nil
					}
					fn = func(s string) string { return st.trim(s, cut) }
				}
				return mapStrings(args[len(args)-1], fn), nil
			},
		})
	}
	for _, j := range []struct {
		name, side string
		left       bool
		examples   []Example
	}{
		{"ljust", "left", true, []Example{
			{Expr: `["ljust", 10, "0", "123"]`, Want: `"1230000000"`},
			{Expr: `["ljust", 5, " ", ["list", "abc", "def", "ghijklm"]]`, Want: `["abc  ", "def  ", "ghijklm"]`},
			{Expr: `["ljust", 4, "ø", "æ"]`, Want: `"æøøø"`},
			{Expr: `["ljust", 5, "ab", "x"]`, Want: `null`},
			{Expr: `["ljust", "5", " ", "x"]`, Want: `null`},
		}},
		{"rjust", "right", false, []Example{
			{Expr: `["rjust", 10, "0", "123"]`, Want: `"0000000123"`},
			{Expr: `["rjust", 5, " ", ["list", "abc", "def", "ghijklm"]]`, Want: `["  abc", "  def", "ghijklm"]`},
			{Expr: `["rjust", 3, "0", ["list", 7, "7"]]`, Want: `["007"]`},
			{Expr: `["rjust", 2.0, "0", "7"]`, Want: `null`},
		}},
	} {
		j := j
		RegisterFunc(&Func{
			Name: j.name, Family: "strings",
			Args: "WIDTH(integer-expression{1}), FILL_CHARACTER(character-expression{1}), VALUES(value-expression{1})",
			Doc: "Pads each string in VALUES on the " + map[bool]string{true: "right", false: "left"}[j.left] +
				" with FILL_CHARACTER to at least WIDTH characters (" + j.side + "-justified); longer strings are returned as-is. " +
				"Other values are dropped; a WIDTH that is not an integer or a FILL_CHARACTER that is not one character gives null.",
			MinArgs: 3, MaxArgs: 3,
			Examples: j.examples,
			Eval: func(c *Ctx, args []Value) (Value, error) {
				width, ok := First(args[0]).(int64)
				if !ok {
					return nil, nil
				}
				fill, ok := First(args[1]).(string)
				if !ok || utf8.RuneCountInString(fill) != 1 {
					return nil, nil
				}
				var err error
				out := MapValues(args[2], func(v Value) (Value, bool) {
					s, ok := v.(string)
					if !ok || err != nil {
						return nil, false
					}
					n := width - int64(utf8.RuneCountInString(s))
					if n <= 0 {
						return s, true
					}
					if err = c.Step(int(min(n, math.MaxInt32))); err != nil {
						return nil, false
					}
					pad := strings.Repeat(fill, int(n))
					if j.left {
						return s + pad, true
					}
					return pad + s, true
				})
				if err != nil {
					return nil, err
				}
				return out, nil
			},
		})
	}
	RegisterFunc(&Func{
		Name: "replace", Family: "strings",
		Args: "(REPLACEMENTS(dict{1}) or (OLD_STRING(string{1}), NEW_STRING(string{1}))), VALUES(value-expression{1})",
		// Decisions: with a dict, all keys are replaced in one pass over
		// the string (a replacement is never replaced again) and where
		// several keys match at the same place the longest wins; members
		// whose value is not a string are ignored. OLD/NEW that are not
		// strings (or a first argument that is not a dict in the
		// two-argument form) give null.
		Doc: "Replaces every occurrence of OLD_STRING with NEW_STRING in each string in VALUES, or, given a dict, every occurrence of each key with its value. " +
			"Other values are dropped.",
		MinArgs: 2, MaxArgs: 3,
		Examples: []Example{
			{Expr: `["replace", "http://", "https://", "http://www.sesam.io/"]`, Want: `"https://www.sesam.io/"`},
			{Expr: `["replace", ":", ".", "_S.date"]`, Source: `{"_id": "1", "date": "12:30:00"}`, Want: `"12.30.00"`},
			{Expr: `["replace", {"Hello": "HELLO", "world": "WORLD"}, "Hello world!"]`, Want: `"HELLO WORLD!"`},
			{Expr: `["replace", ["dict", "a", "A", "b", "B"], "abc"]`, Want: `"ABc"`},
			{Expr: `["replace", {"a": "b", "b": "c"}, "ab"]`, Want: `"bc"`},
			{Expr: `["replace", {"a": "1", "ab": "2"}, ["list", "abc", 3]]`, Want: `["2c"]`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			var fn func(string) string
			// size bounds the length of fn(s), so an explosive replacement
			// is refused by the step budget before it is built.
			var size func(string) int
			if len(args) == 2 {
				d, ok := First(args[0]).(*Dict)
				if !ok {
					return nil, nil
				}
				type pair struct{ old, new string }
				var pairs []pair
				d.Range(func(k string, v Value) bool {
					if s, ok := v.(string); ok && k != "" {
						pairs = append(pairs, pair{k, s})
					}
					return true
				})
				sort.SliceStable(pairs, func(i, j int) bool { return len(pairs[i].old) > len(pairs[j].old) })
				flat := make([]string, 0, 2*len(pairs))
				for _, p := range pairs {
					flat = append(flat, p.old, p.new)
				}
				r := strings.NewReplacer(flat...)
				fn = r.Replace
				longest := 1
				for _, p := range pairs {
					longest = max(longest, len(p.new))
				}
				size = func(s string) int { return len(s) * longest }
			} else {
				old, ok1 := First(args[0]).(string)
				nw, ok2 := First(args[1]).(string)
				if !ok1 || !ok2 {
					return nil, nil
				}
				fn = func(s string) string { return strings.ReplaceAll(s, old, nw) }
				size = func(s string) int {
					n := strings.Count(s, old)
					if n > 0 && len(nw) > len(old) {
						return len(s) + n*(len(nw)-len(old))
					}
					return len(s)
				}
			}
			var err error
			out := MapValues(args[len(args)-1], func(v Value) (Value, bool) {
				s, ok := v.(string)
				if !ok || err != nil {
					return nil, false
				}
				if err = c.Step(size(s) / 64); err != nil {
					return nil, false
				}
				return fn(s), true
			})
			if err != nil {
				return nil, err
			}
			return out, nil
		},
	})
	RegisterFunc(&Func{
		Name: "substring", Family: "strings",
		Args: "START_INDEX(integer{1}), END_INDEX(integer{0|1}), VALUES(value-expression{1})",
		// Decision: indexes work like Python slices (negative counts from
		// the end, out-of-range indexes are clamped, start >= end gives
		// ""); indexes that are not integers give null.
		Doc:     "Extracts the characters from START_INDEX up to (not including) END_INDEX of each string in VALUES; negative indexes count from the end. Other values are dropped.",
		MinArgs: 2, MaxArgs: 3,
		Examples: []Example{
			{Expr: `["substring", 2, 4, "abcdef"]`, Want: `"cd"`},
			{Expr: `["substring", 2, "abcdef"]`, Want: `"cdef"`},
			{Expr: `["substring", -3, -1, "abcdef"]`, Want: `"de"`},
			{Expr: `["substring", 1, 100, ["list", "æøå", 1, "a"]]`, Want: `["øå", ""]`},
			{Expr: `["substring", 4, 2, "abcdef"]`, Want: `""`},
			{Expr: `["substring", "1", "abcdef"]`, Want: `null`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			start, ok := First(args[0]).(int64)
			if !ok {
				return nil, nil
			}
			end, hasEnd := int64(0), false
			if len(args) == 3 {
				if end, ok = First(args[1]).(int64); !ok {
					return nil, nil
				}
				hasEnd = true
			}
			return MapValues(args[len(args)-1], func(v Value) (Value, bool) {
				s, ok := v.(string)
				if !ok {
					return nil, false
				}
				rs := []rune(s)
				n := int64(len(rs))
				e := n
				if hasEnd {
					e = end
				}
				lo, hi := pySliceIndex(start, n), pySliceIndex(e, n)
				if lo >= hi {
					return "", true
				}
				return string(rs[lo:hi]), true
			}), nil
		},
	})
	RegisterFunc(&Func{
		Name: "matches", Family: "strings",
		Args: "PATTERN(string{1}), VALUES(value-expression{1})",
		// Decision: only '*' (any run of characters) and '?' (one
		// character) are wildcards; matching is case-sensitive and
		// covers the whole string.
		Doc: "True if every value in VALUES is a string matching PATTERN, where '*' matches any characters and '?' one character. " +
			"False if VALUES is empty or null or holds a non-string.",
		MinArgs: 2, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["matches", "a*p*a", ["list", "alpha", "alpaca"]]`, Want: `true`},
			{Expr: `["matches", "*_sport", "_S.tags"]`, Source: `{"_id": "1", "tags": ["ski_sport", "golf_sport"]}`, Want: `true`},
			{Expr: `["matches", "*", null]`, Want: `false`},
			{Expr: `["matches", "*", ["list"]]`, Want: `false`},
			{Expr: `["matches", "a?c", ["list", "abc", 1]]`, Want: `false`},
			{Expr: `["matches", ["list", "x*", "a*"], "xyz"]`, Want: `true`},
			{Expr: `["matches", "A*", "abc"]`, Want: `false`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			pat, ok := First(args[0]).(string)
			if !ok {
				return false, nil
			}
			values := AsList(args[1])
			if len(values) == 0 {
				return false, nil
			}
			for _, v := range values {
				s, ok := v.(string)
				if !ok || !globMatch(pat, s) {
					return false, nil
				}
			}
			return true, nil
		},
	})
}

// mapStrings applies fn to each string in VALUES, dropping other values.
func mapStrings(v Value, fn func(string) string) Value {
	return MapValues(v, func(x Value) (Value, bool) {
		s, ok := x.(string)
		if !ok {
			return nil, false
		}
		return fn(s), true
	})
}

// isPySpace is Python's str.isspace for one character: Unicode white
// space plus the ASCII separators \x1c-\x1f.
func isPySpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// pySliceIndex resolves a Python slice index against length n.
func pySliceIndex(i, n int64) int64 {
	if i < 0 {
		i += n
		if i < 0 {
			return 0
		}
	}
	if i > n {
		return n
	}
	return i
}

// plainText is the string form of one value used by "string": lists and
// dicts as JSON without transit encoding, typed values as their plain
// text, bytes decoded as UTF-8. Null, and bytes that are not valid UTF-8,
// have no string form.
func plainText(v Value) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, true
	case bool:
		if x {
			return "true", true
		}
		return "false", true
	case int64:
		return strconv.FormatInt(x, 10), true
	case *big.Int:
		return x.String(), true
	case float64:
		// Python's str(float): "nan", "inf", "-inf" have no JSON form.
		switch {
		case math.IsNaN(x):
			return "nan", true
		case math.IsInf(x, 1):
			return "inf", true
		case math.IsInf(x, -1):
			return "-inf", true
		}
		return string(appendFloat(nil, x)), true
	case *apd.Decimal:
		return x.Text('f'), true
	case time.Time:
		return FormatDatetime(x), true
	case NI:
		return x.NS + ":" + x.ID, true
	case URI:
		return string(x), true
	case UUID:
		return string(x), true
	case Bytes:
		// Decision: bytes that are not valid UTF-8 are dropped like any
		// value of the wrong type.
		if !utf8.Valid(x) {
			return "", false
		}
		return string(x), true
	case List, *Dict:
		return string(appendPyJSON(nil, x, false)), true
	}
	return "", false
}
