package dtl

// The "numbers" family (hub/dtl/dtl-functions-numbers.rst): type tests and
// conversions between integers, floats and decimals, plus the numeric
// helpers the math family shares.
//
// Decisions where the reference is silent:
//   - Booleans are not numbers: ["integer", true] does not parse (it gets
//     the default, or is dropped), and is-integer of true is false.
//   - Conversions drop null members of a list rather than handing them to
//     the default expression ("translates all non-null input values").
//   - Floats convert to decimals through their shortest round-trip text
//     (2.1 becomes ~f2.1, not 2.10000000000000008881784197…), which is the
//     value a user sees and means.
//   - Values that cannot be represented (NaN, infinities, "1e400" as a
//     float) do not parse.

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"
)

// ToFloat converts any number (integer, float or decimal) to a float64.
// It reports false for non-numbers (booleans included) and for numbers
// that have no finite float64 value (NaN, or a huge integer or decimal).
func ToFloat(v Value) (float64, bool) {
	var f float64
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case *big.Int:
		f, _ = new(big.Float).SetInt(x).Float64()
	case float64:
		f = x
	case *apd.Decimal:
		if x.Form != apd.Finite {
			return 0, false
		}
		var err error
		if f, err = x.Float64(); err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// numKind classifies a value for arithmetic.
type numKind int

const (
	notNum numKind = iota
	intNum
	floatNum
	decNum
)

func kindOfNum(v Value) numKind {
	switch x := v.(type) {
	case int64, *big.Int:
		return intNum
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return notNum
		}
		return floatNum
	case *apd.Decimal:
		if x != nil && x.Form == apd.Finite {
			return decNum
		}
	}
	return notNum
}

// toBig returns an integer value as a *big.Int the caller may modify.
func toBig(v Value) *big.Int {
	switch x := v.(type) {
	case int64:
		return big.NewInt(x)
	case *big.Int:
		return new(big.Int).Set(x)
	}
	return nil
}

var (
	minInt64Float = math.Ldexp(-1, 63)
	bigTen        = big.NewInt(10)
)

// pow10 returns 10**n as a new big.Int.
func pow10(n int64) *big.Int {
	return new(big.Int).Exp(bigTen, big.NewInt(n), nil)
}

// floatToInt converts an integral float to an integer value (int64 when
// it fits, *big.Int otherwise). Fractions are truncated.
func floatToInt(f float64) (Value, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, false
	}
	f = math.Trunc(f)
	if f >= minInt64Float && f < -minInt64Float {
		return int64(f), true
	}
	b, _ := new(big.Float).SetFloat64(f).Int(nil)
	return Int(b), true
}

// decToInt converts a decimal to an integer value, truncating toward zero.
func decToInt(d *apd.Decimal) (Value, bool) {
	if d == nil || d.Form != apd.Finite {
		return nil, false
	}
	b := d.Coeff.MathBigInt()
	if d.Exponent >= 0 {
		if d.Exponent > 0 {
			b.Mul(b, pow10(int64(d.Exponent)))
		}
	} else {
		shift := -int64(d.Exponent)
		if shift > d.NumDigits() {
			return int64(0), true
		}
		b.Quo(b, pow10(shift))
	}
	if d.Negative {
		b.Neg(b)
	}
	return Int(b), true
}

// floatText renders a float the way Python's repr does ("2.0", "0.1",
// "1e+16"): the shortest text that reads back as the same float.
func floatText(f float64) string {
	abs := math.Abs(f)
	if abs != 0 && (abs < 1e-4 || abs >= 1e16) {
		return strconv.FormatFloat(f, 'e', -1, 64)
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// floatToDec converts a finite float to the decimal of its shortest text.
func floatToDec(f float64) (*apd.Decimal, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, false
	}
	d, _, err := apd.NewFromString(floatText(f))
	if err != nil {
		return nil, false
	}
	if d.IsZero() {
		d.Negative = false
	}
	return d, true
}

// numToDec converts any number to a decimal; floats go through their
// shortest text (see floatToDec), integers are exact.
func numToDec(v Value) (*apd.Decimal, bool) {
	if f, ok := v.(float64); ok {
		return floatToDec(f)
	}
	return ToDecimal(v)
}

// maxIntDigits bounds the length of decimal integer strings that parse,
// as Python does (4300 digits), so parsing stays cheap.
const maxIntDigits = 4300

// parseIntString parses a decimal integer ("12", "-3", " +4 ") or a
// hexadecimal one in two's complement ("0x00ff" is 255, "0xff" is -1).
func parseIntString(s string) (Value, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		return parseHexTwos(s[2:])
	}
	digits := s
	if digits != "" && (digits[0] == '+' || digits[0] == '-') {
		digits = digits[1:]
	}
	if digits == "" || len(digits) > maxIntDigits {
		return nil, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return nil, false
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	b, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return nil, false
	}
	return Int(b), true
}

// parseHexTwos reads hex digits as a two's complement number, byte-wise:
// an odd number of digits gets a leading 0 (so "f" is 15, "ff" is -1),
// matching what hex writes.
func parseHexTwos(h string) (Value, bool) {
	if h == "" {
		return nil, false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return nil, false
		}
	}
	if len(h)%2 == 1 {
		h = "0" + h
	}
	b, ok := new(big.Int).SetString(h, 16)
	if !ok {
		return nil, false
	}
	if h[0] >= '8' {
		b.Sub(b, new(big.Int).Lsh(big.NewInt(1), uint(4*len(h))))
	}
	return Int(b), true
}

// hexTwos writes an integer as "0x" and the fewest whole bytes that hold
// it in two's complement: 1 → "0x01", 255 → "0x00ff", -1 → "0xff".
func hexTwos(n *big.Int) string {
	var mag int
	if n.Sign() >= 0 {
		mag = n.BitLen()
	} else {
		mag = new(big.Int).Sub(new(big.Int).Neg(n), big.NewInt(1)).BitLen()
	}
	nbytes := (mag + 1 + 7) / 8 // room for the sign bit
	u := new(big.Int).Set(n)
	if n.Sign() < 0 {
		u.Add(u, new(big.Int).Lsh(big.NewInt(1), uint(8*nbytes)))
	}
	s := u.Text(16)
	return "0x" + strings.Repeat("0", 2*nbytes-len(s)) + s
}

// parseFloatString parses a decimal float literal ("1.5", " -2e3 ", "7").
// Hex floats, underscores, NaN and infinities do not parse.
func parseFloatString(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s, "xXpP_") {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// parseDecString parses a decimal literal ("1.0", "-2.5E-3"). NaN and
// infinities do not parse.
func parseDecString(s string) (*apd.Decimal, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxIntDigits+100 {
		return nil, false
	}
	d, _, err := apd.NewFromString(s)
	if err != nil || d.Form != apd.Finite {
		return nil, false
	}
	return d, true
}

// toInteger converts one value for "integer": floats and decimals are
// truncated toward zero, strings parse as decimal or 0x-hex integers.
func toInteger(v Value) (Value, bool) {
	switch x := v.(type) {
	case int64, *big.Int:
		return x, true
	case float64:
		return floatToInt(x)
	case *apd.Decimal:
		return decToInt(x)
	case string:
		return parseIntString(x)
	}
	return nil, false
}

// toFloatValue converts one value for "float".
func toFloatValue(v Value) (Value, bool) {
	if s, ok := v.(string); ok {
		return parseFloatString(s)
	}
	return ToFloat(v)
}

// toDecimalValue converts one value for "decimal".
func toDecimalValue(v Value) (Value, bool) {
	switch x := v.(type) {
	case string:
		return parseDecString(x)
	case bool:
		return nil, false
	}
	d, ok := numToDec(v)
	if !ok {
		return nil, false
	}
	return d, true
}

// convertWithDefault runs conv over VALUES (the last argument). A value
// that does not convert is dropped, or, when a DEFAULT expression is given
// (the first of two arguments), replaced by DEFAULT evaluated with "_"
// bound to that value. Nulls in a list are dropped, not defaulted.
func convertWithDefault(c *Ctx, args []Expr, conv func(Value) (Value, bool)) (Value, error) {
	return mapWithDefault(c, args, func(v Value) (Value, bool, error) {
		if v == nil {
			return nil, false, errDropValue
		}
		r, ok := conv(v)
		return r, ok, nil
	})
}

func isIntegerValue(v Value) bool {
	switch v.(type) {
	case int64, *big.Int:
		return true
	}
	return false
}

func init() {
	RegisterFunc(&Func{
		Name: "is-integer", Family: "numbers",
		Args:    "VALUES(value-expression{1})",
		Doc:     "True if the value, or the first element of a list, is an integer.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["is-integer", 1]`, Want: `true`},
			{Expr: `["is-integer", "1"]`, Want: `false`},
			{Expr: `["is-integer", ["list", 1, "12345"]]`, Want: `true`},
			{Expr: `["is-integer", ["list", "1", 2]]`, Want: `false`},
			{Expr: `["is-integer", ["list", ["integer", "1"], 2]]`, Want: `true`},
			{Expr: `["is-integer", 123456789012345678901234567890]`, Want: `true`},
			{Expr: `["is-integer", 1.0]`, Want: `false`},
			{Expr: `["is-integer", true]`, Want: `false`},
			{Expr: `["is-integer", ["list"]]`, Want: `false`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			return isIntegerValue(First(args[0])), nil
		},
	})

	RegisterFunc(&Func{
		Name: "integer", Family: "numbers",
		Args: "DEFAULT(default-value-expression{0|1}), VALUES(value-expression{1})",
		Doc: "Converts each non-null value to an integer: floats and decimals are truncated toward zero, " +
			"strings parse as decimal integers or as \"0x\" hexadecimal in two's complement. " +
			"Values that do not convert are dropped, or replaced by DEFAULT evaluated with \"_\" bound to the value.",
		MinArgs: 1, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["integer", "1"]`, Want: `1`},
			{Expr: `["integer", ["list", "1", "~rhttp://www.example.org/", 124.4, 12345]]`, Want: `[1, 124, 12345]`},
			{Expr: `["integer", ["integer", 0], ["list", "1", "~rhttp://www.example.org/", "10^2", 12345]]`, Want: `[1, 0, 0, 12345]`},
			{Expr: `["integer", ["string", "n/a"], ["list", "1", "~rhttp://www.example.org/", "10^2", 12345]]`, Want: `[1, "n/a", "n/a", 12345]`},
			{Expr: `["integer", ["string", "_."], ["list", "1", "~rhttp://www.example.org/", "10^2", 12345]]`, Want: `[1, "http://www.example.org/", "10^2", 12345]`},
			{Expr: `["integer", "0x00ff"]`, Want: `255`},
			{Expr: `["integer", "0xff"]`, Want: `-1`},
			// Odd digit counts get a leading 0 nibble: "0xf" is 15.
			{Expr: `["integer", "0xf"]`, Want: `15`},
			{Expr: `["integer", ["list", -2.7, "~f-3.9", " 42 ", "1.5", true, null]]`, Want: `[-2, -3, 42]`},
			{Expr: `["integer", "123456789012345678901234567890"]`, Want: `123456789012345678901234567890`},
			{Expr: `["integer", 1e20]`, Want: `100000000000000000000`},
			{Expr: `["integer", "abc"]`, Want: `null`},
			{Expr: `["integer", null]`, Want: `null`},
		},
		Lazy: func(c *Ctx, args []Expr) (Value, error) {
			return convertWithDefault(c, args, toInteger)
		},
	})

	RegisterFunc(&Func{
		Name: "is-decimal", Family: "numbers",
		Args:    "VALUES(value-expression{1})",
		Doc:     "True if the value, or the first element of a list, is a decimal.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["is-decimal", 1.0]`, Want: `false`},
			{Expr: `["is-decimal", ["decimal", "1.23"]]`, Want: `true`},
			{Expr: `["is-decimal", 1]`, Want: `false`},
			{Expr: `["is-decimal", ["list", 1.0, "12345"]]`, Want: `false`},
			{Expr: `["is-decimal", ["list", "1.0", 2.0]]`, Want: `false`},
			{Expr: `["is-decimal", ["list", ["decimal", "-1.0"], 1234]]`, Want: `true`},
			{Expr: `["is-decimal", "~f1.5"]`, Want: `true`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			_, ok := First(args[0]).(*apd.Decimal)
			return ok, nil
		},
	})

	RegisterFunc(&Func{
		Name: "decimal", Family: "numbers",
		Args: "DEFAULT(default-value-expression{0|1}), VALUES(value-expression{1})",
		Doc: "Converts each non-null value to a decimal: integers exactly, floats by their shortest text, " +
			"strings that parse as decimal numbers. Values that do not convert are dropped, or replaced by " +
			"DEFAULT evaluated with \"_\" bound to the value.",
		MinArgs: 1, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["decimal", "1.0"]`, Want: `"~f1.0"`},
			{Expr: `["decimal", ["list", "1.0", "~rhttp://www.example.org/", 2.2, "one"]]`, Want: `["~f1.0", "~f2.2"]`},
			{Expr: `["decimal", ["boolean", false], ["list", "1.0", 2.1, "~rhttp://www.example.org/", "124.4", "FALSE"]]`, Want: `["~f1.0", "~f2.1", false, "~f124.4", false]`},
			{Expr: `["decimal", ["string", "n/a"], ["list", "1.0", 2.0, "~rhttp://www.example.org/", "124.4"]]`, Want: `["~f1.0", "~f2.0", "n/a", "~f124.4"]`},
			{Expr: `["decimal", ["string", "_."], ["list", "1.0", 2.0, "~rhttp://www.example.org/", "2.5"]]`, Want: `["~f1.0", "~f2.0", "http://www.example.org/", "~f2.5"]`},
			{Expr: `["decimal", ["list", 12, 0.1, "1e3", "NaN", "Infinity", true]]`, Want: `["~f12", "~f0.1", "~f1000"]`},
			{Expr: `["decimal", 123456789012345678901234567890]`, Want: `"~f123456789012345678901234567890"`},
		},
		Lazy: func(c *Ctx, args []Expr) (Value, error) {
			return convertWithDefault(c, args, toDecimalValue)
		},
	})

	RegisterFunc(&Func{
		Name: "is-float", Family: "numbers",
		Args:    "VALUES(value-expression{1})",
		Doc:     "True if the value, or the first element of a list, is a float.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["is-float", 1.0]`, Want: `true`},
			{Expr: `["is-float", ["decimal", "1.23"]]`, Want: `false`},
			{Expr: `["is-float", 1]`, Want: `false`},
			{Expr: `["is-float", ["list", 1.0, "12345"]]`, Want: `true`},
			{Expr: `["is-float", ["list", "1.0", 2.0]]`, Want: `false`},
			{Expr: `["is-float", ["list", ["decimal", "-1.0"], 123.4]]`, Want: `false`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			_, ok := First(args[0]).(float64)
			return ok, nil
		},
	})

	RegisterFunc(&Func{
		Name: "float", Family: "numbers",
		Args: "DEFAULT(default-value-expression{0|1}), VALUES(value-expression{1})",
		Doc: "Converts each non-null value to a float (IEEE 754 binary64): numbers, and strings that parse as " +
			"decimal numbers. Values that do not convert (or have no finite float) are dropped, or replaced by " +
			"DEFAULT evaluated with \"_\" bound to the value.",
		MinArgs: 1, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["float", "1.0"]`, Want: `1.0`},
			{Expr: `["float", ["list", "1.0", "~rhttp://www.example.org/", 2.2, "one"]]`, Want: `[1.0, 2.2]`},
			{Expr: `["float", ["boolean", false], ["list", "1.0", 2.1, "~rhttp://www.example.org/", "124.4", "FALSE"]]`, Want: `[1.0, 2.1, false, 124.4, false]`},
			{Expr: `["float", ["string", "n/a"], ["list", "1.0", 2.0, "~rhttp://www.example.org/", "124.4"]]`, Want: `[1.0, 2.0, "n/a", 124.4]`},
			{Expr: `["float", ["string", "_."], ["list", "1.0", 2.0, "~rhttp://www.example.org/", "2.5"]]`, Want: `[1.0, 2.0, "http://www.example.org/", 2.5]`},
			{Expr: `["float", ["list", 3, "~f0.25", " 1e3 ", "inf", "nan", "0x10", "1e400", true]]`, Want: `[3.0, 0.25, 1000.0]`},
		},
		Lazy: func(c *Ctx, args []Expr) (Value, error) {
			return convertWithDefault(c, args, toFloatValue)
		},
	})

	RegisterFunc(&Func{
		Name: "hex", Family: "numbers",
		Args: "VALUES(value-expression{1})",
		// The reference's list example shows 1 as "0x1", while its
		// single-value example gives "0x01"; we always write whole bytes.
		Doc: "Writes each integer (or string that parses as one, see integer) as \"0x\" and the fewest whole " +
			"bytes of its two's complement, in lower-case hex. Other values are dropped.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["hex", 1]`, Want: `"0x01"`},
			{Expr: `["hex", 255]`, Want: `"0x00ff"`},
			{Expr: `["hex", -1]`, Want: `"0xff"`},
			{Expr: `["hex", ["list", 1, "~rhttp://www.example.org/", 124.4, 12345]]`, Want: `["0x01", "0x3039"]`},
			{Expr: `["hex", ["list", 0, 127, 128, -128, -129, "255", "0xff"]]`, Want: `["0x00", "0x7f", "0x0080", "0x80", "0xff7f", "0x00ff", "0xff"]`},
			{Expr: `["hex", 18446744073709551615]`, Want: `"0x00ffffffffffffffff"`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			return MapValues(args[0], func(v Value) (Value, bool) {
				if s, ok := v.(string); ok {
					n, ok := parseIntString(s)
					if !ok {
						return nil, false
					}
					v = n
				}
				b := toBig(v)
				if b == nil {
					return nil, false
				}
				return hexTwos(b), true
			}), nil
		},
	})
}
