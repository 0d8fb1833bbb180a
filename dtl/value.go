// Package dtl implements Sesam's Data Transformation Language: rules are
// compiled once into an immutable Program and run per entity.
package dtl

import (
	"errors"
	"math/big"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// Value is one DTL value. Its dynamic type is one of:
//
//	nil                 null
//	bool                boolean
//	int64, *big.Int     integer (exact; big only when it does not fit int64)
//	float64             float
//	*apd.Decimal        decimal ("~f")
//	string              string
//	time.Time           datetime ("~t"), always UTC
//	NI                  namespaced identifier ("~:")
//	URI                 URI ("~r")
//	UUID                UUID ("~u")
//	Bytes               bytes ("~b")
//	*Dict               dictionary
//	List                list
//
// Values are never mutated once shared: functions build new lists and dicts.
type Value = any

// List is a DTL list.
type List = []Value

// NI is a namespaced identifier, written "~:ns:id" in transit encoding.
type NI struct{ NS, ID string }

// URI is a URI value, written "~r…" in transit encoding.
type URI string

// UUID is a UUID value in its canonical lower-case text form, written "~u…".
type UUID string

// Bytes is a byte string, written "~b<base64>" in transit encoding.
type Bytes []byte

// Kind orders the types for mixed-type sorting, as the reference does:
// null < boolean < numbers < datetimes < UUID < NI < URI < string < dict < list < bytes.
type Kind int

// The kinds in sort order.
const (
	KindNull Kind = iota
	KindBool
	KindNumber
	KindDatetime
	KindUUID
	KindNI
	KindURI
	KindString
	KindDict
	KindList
	KindBytes
)

var kindNames = [...]string{"null", "boolean", "number", "datetime", "uuid", "ni", "uri", "string", "dict", "list", "bytes"}

func (k Kind) String() string { return kindNames[k] }

// KindOf reports the sort kind of v.
func KindOf(v Value) Kind {
	switch v.(type) {
	case nil:
		return KindNull
	case bool:
		return KindBool
	case int64, *big.Int, float64, *apd.Decimal:
		return KindNumber
	case time.Time:
		return KindDatetime
	case UUID:
		return KindUUID
	case NI:
		return KindNI
	case URI:
		return KindURI
	case string:
		return KindString
	case *Dict:
		return KindDict
	case List:
		return KindList
	case Bytes:
		return KindBytes
	}
	return KindNull
}

// Truthy is DTL truthiness: false, null and the empty list are false.
func Truthy(v Value) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case List:
		return len(x) > 0
	}
	return true
}

// AsList views v as a list: a list is itself, null is empty, anything else
// is a one-element list. Functions that "map over VALUES" start here.
func AsList(v Value) List {
	switch x := v.(type) {
	case nil:
		return nil
	case List:
		return x
	}
	return List{v}
}

// First returns the first element of a list, or v itself when it is not a
// list. Predicates look at the first element only.
func First(v Value) Value {
	if l, ok := v.(List); ok {
		if len(l) == 0 {
			return nil
		}
		return l[0]
	}
	return v
}

// MapValues applies fn to each element of VALUES and keeps the results fn
// accepts. A list in gives a list out; a scalar in gives a scalar (or null)
// out. This is the shape of most value functions.
func MapValues(v Value, fn func(Value) (Value, bool)) Value {
	if l, ok := v.(List); ok {
		out := make(List, 0, len(l))
		for _, x := range l {
			if r, ok := fn(x); ok {
				out = append(out, r)
			}
		}
		return out
	}
	if v == nil {
		return nil
	}
	if r, ok := fn(v); ok {
		return r
	}
	return nil
}

// MapValuesErr is MapValues for functions that can fail: the first error
// stops the mapping.
func MapValuesErr(v Value, fn func(Value) (Value, bool, error)) (Value, error) {
	if l, ok := v.(List); ok {
		out := make(List, 0, len(l))
		for _, x := range l {
			r, keep, err := fn(x)
			if err != nil {
				return nil, err
			}
			if keep {
				out = append(out, r)
			}
		}
		return out, nil
	}
	if v == nil {
		return nil, nil
	}
	r, keep, err := fn(v)
	if err != nil || !keep {
		return nil, err
	}
	return r, nil
}

// errDropValue, returned by a conversion in mapWithDefault, drops the value
// without giving it the default.
var errDropValue = errors.New("drop value")

// mapWithDefault is the shape of the conversion functions with an optional
// DEFAULT: conv runs over VALUES (the last argument); a value it cannot
// convert is dropped, or, when a DEFAULT expression is given (the first of
// two arguments), replaced by DEFAULT evaluated with "_" bound to it. The
// DEFAULT is evaluated only when needed.
func mapWithDefault(c *Ctx, args []Expr, conv func(Value) (Value, bool, error)) (Value, error) {
	values, err := args[len(args)-1].Eval(c)
	if err != nil {
		return nil, err
	}
	var def Expr
	if len(args) == 2 {
		def = args[0]
	}
	return MapValuesErr(values, func(v Value) (Value, bool, error) {
		r, ok, err := conv(v)
		switch {
		case err == errDropValue:
			return nil, false, nil
		case err != nil || ok:
			return r, ok, err
		case def == nil:
			return nil, false, nil
		}
		r, err = c.EvalWith(def, v)
		return r, err == nil, err
	})
}

// Int makes an integer Value from a big.Int, using int64 when it fits.
func Int(b *big.Int) Value {
	if b.IsInt64() {
		return b.Int64()
	}
	return b
}
