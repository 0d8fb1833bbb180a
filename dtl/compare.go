package dtl

import (
	"bytes"
	"cmp"
	"math"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// Equal reports whether a and b are the same value. Numbers compare by
// value across integer, float and decimal (1 equals 1.0); lists and dicts
// compare deeply.
func Equal(a, b Value) bool { return Compare(a, b) == 0 }

// Compare orders two values: first by kind (null < boolean < numbers <
// datetimes < UUID < NI < URI < string < dict < list < bytes), then within
// the kind. It is the order sorted, min and max use.
func Compare(a, b Value) int {
	ka, kb := KindOf(a), KindOf(b)
	if ka != kb {
		if ka < kb {
			return -1
		}
		return 1
	}
	switch x := a.(type) {
	case nil:
		return 0
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case time.Time:
		return x.Compare(b.(time.Time))
	case UUID:
		return strings.Compare(string(x), string(b.(UUID)))
	case NI:
		y := b.(NI)
		if c := strings.Compare(x.NS, y.NS); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	case URI:
		return strings.Compare(string(x), string(b.(URI)))
	case string:
		return strings.Compare(x, b.(string))
	case Bytes:
		return bytes.Compare(x, b.(Bytes))
	case List:
		y := b.(List)
		for i := 0; i < len(x) && i < len(y); i++ {
			if c := Compare(x[i], y[i]); c != 0 {
				return c
			}
		}
		return cmp.Compare(len(x), len(y))
	case *Dict:
		return compareDicts(x, b.(*Dict))
	}
	return CompareNumbers(a, b)
}

// compareDicts orders dicts by their sorted keys, then values; equal dicts
// compare 0 regardless of member order.
func compareDicts(a, b *Dict) int {
	ka, kb := sortedKeys(a), sortedKeys(b)
	for i := 0; i < len(ka) && i < len(kb); i++ {
		if c := strings.Compare(ka[i], kb[i]); c != 0 {
			return c
		}
		va, _ := a.Get(ka[i])
		vb, _ := b.Get(kb[i])
		if c := Compare(va, vb); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(ka), len(kb))
}

func sortedKeys(d *Dict) []string {
	ks := d.Keys()
	slices.Sort(ks)
	return ks
}

// CompareNumbers orders two numbers of any numeric type exactly. NaN,
// which only computations produce, sorts before every other number.
func CompareNumbers(a, b Value) int {
	if x, ok := a.(int64); ok {
		if y, ok := b.(int64); ok {
			return cmp.Compare(x, y)
		}
	}
	if x, ok := a.(float64); ok {
		if y, ok := b.(float64); ok {
			return cmp.Compare(x, y) // NaN first, as below for other numbers
		}
	}
	if ra, rb := nonFinite(a), nonFinite(b); ra != 0 || rb != 0 {
		return cmp.Compare(ra, rb)
	}
	da, _ := ToDecimal(a)
	db, _ := ToDecimal(b)
	return da.Cmp(db)
}

// nonFinite ranks the floats that have no exact decimal: NaN < -Inf <
// (every finite number, 0) < +Inf.
func nonFinite(v Value) int {
	f, ok := v.(float64)
	switch {
	case !ok:
		return 0
	case math.IsNaN(f):
		return -2
	case math.IsInf(f, -1):
		return -1
	case math.IsInf(f, 1):
		return 1
	}
	return 0
}

// ToDecimal converts any number to an exact decimal. NaN and infinities
// are not numbers here and report false.
func ToDecimal(v Value) (*apd.Decimal, bool) {
	switch x := v.(type) {
	case int64:
		return apd.New(x, 0), true
	case *big.Int:
		var bi apd.BigInt
		bi.SetMathBigInt(x)
		return apd.NewWithBigInt(&bi, 0), true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, false
		}
		d := new(apd.Decimal)
		if _, err := d.SetFloat64(x); err != nil {
			return nil, false
		}
		return d, true
	case *apd.Decimal:
		return x, true
	}
	return nil, false
}
