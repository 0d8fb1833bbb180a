package dtl

// Set functions (reference page hub/dtl/dtl-functions-sets.rst), plus the
// value-key helpers that lists functions (distinct, in, group) share.
//
// The newest reference keeps duplicates and the original order of VALUES1
// in intersection and difference ("kept in their original relative
// positions", ["D", "D", "E"]); union returns distinct values. An older
// version of the page said all three return distinct values; the newest
// page and its examples win.

import (
	"encoding/binary"
	"math"
	"math/big"
	"slices"
	"strconv"
	"time"

	"github.com/cockroachdb/apd/v3"
)

func init() {
	RegisterFunc(&Func{
		Name: "union", Family: "sets",
		Args:    "VALUES1(value-expression{1}), VALUES2(value-expression{1})",
		Doc:     "Returns the distinct values that are in VALUES1 or in VALUES2, in order of first appearance (VALUES1 first).",
		MinArgs: 2, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["union", ["list", "A", "B"], ["list", "B", "C"]]`, Want: `["A", "B", "C"]`},
			{Expr: `["union", "A", ["list", "B", "C"]]`, Want: `["A", "B", "C"]`},
			{Expr: `["union", ["list", "B", "C", "B", "D", "A"], ["list", "A", "F", "F", "B", "E", "B", "C"]]`, Want: `["B", "C", "D", "A", "F", "E"]`},
			{Expr: `["union", null, null]`, Want: `[]`},
			{Expr: `["union", ["list", 1, 2.0], ["list", 1.0, 2, 3]]`, Want: `[1, 2.0, 3]`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			seen := setsNew(0)
			out := List{}
			for _, arg := range args {
				for _, v := range AsList(arg) {
					if seen.add(v) {
						out = append(out, v)
					}
				}
			}
			return out, nil
		},
	})
	RegisterFunc(&Func{
		Name: "intersection", Family: "sets",
		Args:    "VALUES1(value-expression{1}), VALUES2(value-expression{1})",
		Doc:     "Returns the values in VALUES1 that also exist in VALUES2, keeping their order and duplicates.",
		MinArgs: 2, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["intersection", ["list", "A", "B"], ["list", "B", "C"]]`, Want: `["B"]`},
			{Expr: `["intersection", "B", ["list", "B", "C"]]`, Want: `["B"]`},
			{Expr: `["intersection", "A", ["list", "B", "C"]]`, Want: `[]`},
			{Expr: `["intersection", ["list", "B", "C", "B", "D", "A"], ["list", "A", "F", "F", "B", "E", "B", "C"]]`, Want: `["B", "C", "B", "A"]`},
			{Expr: `["intersection", null, ["list", null]]`, Want: `[]`},
			{Expr: `["intersection", ["list", {"a": 1}, 2], ["list", {"a": 1.0}]]`, Want: `[{"a": 1}]`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			return setsFilter(args[0], args[1], true), nil
		},
	})
	RegisterFunc(&Func{
		Name: "intersects", Family: "sets",
		Args:    "VALUES1(value-expression{1}), VALUES2(value-expression{1})",
		Doc:     "Returns true if VALUES1 and VALUES2 have at least one value in common.",
		MinArgs: 2, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["intersects", ["list", "A", "B"], ["list", "B", "C"]]`, Want: `true`},
			{Expr: `["intersects", "B", ["list", "B", "C"]]`, Want: `true`},
			{Expr: `["intersects", "A", ["list", "B", "C"]]`, Want: `false`},
			{Expr: `["intersects", null, null]`, Want: `false`},
			{Expr: `["intersects", ["list", null], ["list", 1, null]]`, Want: `true`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			a, b := AsList(args[0]), AsList(args[1])
			if len(a) == 0 || len(b) == 0 {
				return false, nil
			}
			set := setsOf(b)
			for _, v := range a {
				if set.has(v) {
					return true, nil
				}
			}
			return false, nil
		},
	})
	RegisterFunc(&Func{
		Name: "difference", Family: "sets",
		Args:    "VALUES1(value-expression{1}), VALUES2(value-expression{1})",
		Doc:     "Returns the values in VALUES1 that do not exist in VALUES2, keeping their order and duplicates.",
		MinArgs: 2, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["difference", ["list", "A", "B"], ["list", "B"]]`, Want: `["A"]`},
			{Expr: `["difference", "A", ["list", "B", "C"]]`, Want: `["A"]`},
			{Expr: `["difference", ["list", "A", "B", "C", "D"], ["list", "A", "B", "E"]]`, Want: `["C", "D"]`},
			{Expr: `["difference", ["list", "D", "A", "D", "E", "B"], ["list", "A", "F", "F", "B", "C"]]`, Want: `["D", "D", "E"]`},
			{Expr: `["difference", ["list", 1, 2, 3], null]`, Want: `[1, 2, 3]`},
			{Expr: `["difference", null, ["list", 1]]`, Want: `[]`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			return setsFilter(args[0], args[1], false), nil
		},
	})
}

// setsFilter keeps the values of a that are (keep) or are not (!keep) in b.
func setsFilter(a, b Value, keep bool) List {
	la := AsList(a)
	set := setsOf(AsList(b))
	out := make(List, 0, len(la))
	for _, v := range la {
		if set.has(v) == keep {
			out = append(out, v)
		}
	}
	return out
}

// setsSet is a set of values under Equal: two values have the same key
// exactly when they are Equal (1, 1.0 and ~f1.00 are one value; dicts are
// equal regardless of member order).
type setsSet struct {
	m   map[string]struct{}
	buf []byte
}

func setsNew(n int) *setsSet {
	return &setsSet{m: make(map[string]struct{}, n)}
}

func setsOf(l List) *setsSet {
	s := setsNew(len(l))
	for _, v := range l {
		s.add(v)
	}
	return s
}

// add inserts v and reports whether it was new.
func (s *setsSet) add(v Value) bool {
	s.buf = setsAppendKey(s.buf[:0], v)
	if _, ok := s.m[string(s.buf)]; ok {
		return false
	}
	s.m[string(s.buf)] = struct{}{}
	return true
}

func (s *setsSet) has(v Value) bool {
	s.buf = setsAppendKey(s.buf[:0], v)
	_, ok := s.m[string(s.buf)]
	return ok
}

func setsKeyString(dst []byte, tag byte, s string) []byte {
	dst = append(dst, tag)
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// setsAppendKey appends a self-delimiting key for v to dst.
func setsAppendKey(dst []byte, v Value) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, 'N')
	case bool:
		if x {
			return append(dst, 'T')
		}
		return append(dst, 'F')
	case int64:
		return setsKeyString(dst, 'n', setsIntKey(x))
	case *big.Int:
		d, _ := ToDecimal(x)
		return setsKeyString(dst, 'n', setsDecKey(d))
	case float64:
		switch {
		case math.IsNaN(x):
			return setsKeyString(dst, 'n', "NaN")
		case math.IsInf(x, 1):
			return setsKeyString(dst, 'n', "+Inf")
		case math.IsInf(x, -1):
			return setsKeyString(dst, 'n', "-Inf")
		case x == math.Trunc(x) && math.Abs(x) < 1<<62:
			return setsKeyString(dst, 'n', setsIntKey(int64(x)))
		}
		d, ok := ToDecimal(x)
		if !ok {
			return setsKeyString(dst, 'n', "NaN")
		}
		return setsKeyString(dst, 'n', setsDecKey(d))
	case *apd.Decimal:
		return setsKeyString(dst, 'n', setsDecKey(x))
	case string:
		return setsKeyString(dst, 's', x)
	case time.Time:
		return setsKeyString(dst, 't', x.UTC().Format(time.RFC3339Nano))
	case UUID:
		return setsKeyString(dst, 'u', string(x))
	case NI:
		dst = setsKeyString(dst, 'i', x.NS)
		return setsKeyString(dst, ':', x.ID)
	case URI:
		return setsKeyString(dst, 'r', string(x))
	case Bytes:
		return setsKeyString(dst, 'b', string(x))
	case List:
		dst = append(dst, 'l')
		dst = binary.AppendUvarint(dst, uint64(len(x)))
		for _, e := range x {
			dst = setsAppendKey(dst, e)
		}
		return dst
	case *Dict:
		keys := slices.Clone(x.Keys())
		slices.Sort(keys)
		dst = append(dst, 'd')
		dst = binary.AppendUvarint(dst, uint64(len(keys)))
		for _, k := range keys {
			dst = setsKeyString(dst, 'k', k)
			e, _ := x.Get(k)
			dst = setsAppendKey(dst, e)
		}
		return dst
	}
	return append(dst, '?')
}

// setsIntKey writes a non-zero integer as coefficient without trailing
// zeros and an exponent ("12e0", "1e3"), the same text setsDecKey
// gives for an equal decimal.
func setsIntKey(x int64) string {
	if x == 0 {
		return "0"
	}
	neg := x < 0
	u := uint64(x)
	if neg {
		u = -u
	}
	exp := 0
	for u%10 == 0 {
		u /= 10
		exp++
	}
	s := strconv.FormatUint(u, 10) + "e" + strconv.Itoa(exp)
	if neg {
		return "-" + s
	}
	return s
}

func setsDecKey(d *apd.Decimal) string {
	if d == nil {
		return "NaN"
	}
	if d.Form != apd.Finite {
		return d.String()
	}
	if d.IsZero() {
		return "0"
	}
	var r apd.Decimal
	r.Reduce(d)
	s := r.Coeff.String() + "e" + strconv.FormatInt(int64(r.Exponent), 10)
	if r.Negative {
		return "-" + s
	}
	return s
}
