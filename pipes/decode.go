package pipes

import (
	stdjson "encoding/json"
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// NodeDecoder is implemented (on the pointer) by types that decode
// themselves, typically polymorphic config such as "a string or a list".
type NodeDecoder interface {
	DecodeNode(n *Node) Errors
}

// validator is the hook Decode calls after a struct decoded cleanly, so
// cross-field rules live next to the type they constrain.
type validator interface{ Validate() error }

var (
	nodeDecoderType = reflect.TypeFor[NodeDecoder]()
	validatorType   = reflect.TypeFor[validator]()
	nodePtrType     = reflect.TypeFor[*Node]()
	rawMessageType  = reflect.TypeFor[stdjson.RawMessage]()
	numberType      = reflect.TypeFor[stdjson.Number]()
)

// Decode decodes n into dst (a non-nil pointer) strictly and returns every
// problem found, each at its node. Members absent from n leave their
// fields untouched, so callers pre-fill defaults before decoding.
func Decode(n *Node, dst any) Errors {
	var d decoder
	rv := reflect.ValueOf(dst)
	switch {
	case n == nil:
		d.errs.Add(nil, "no value to decode")
	case rv.Kind() != reflect.Pointer || rv.IsNil():
		d.errs.Add(n, "internal error: Decode needs a non-nil pointer, got %T", dst)
	default:
		d.value(n, rv.Elem(), 0)
	}
	return d.errs
}

type decoder struct{ errs Errors }

// value decodes n into v. depth counts nodes descended so hand-built
// (possibly cyclic) trees cannot recurse without bound.
func (d *decoder) value(n *Node, v reflect.Value, depth int) {
	switch {
	case n == nil: // only hand-built trees have holes
		d.errs.Add(nil, "internal error: missing value")
		return
	case depth > MaxDepth:
		d.errs.Add(n, "nesting too deep: more than %d levels of arrays and objects", MaxDepth)
		return
	}
	t := v.Type()
	switch {
	case t == nodePtrType:
		v.Set(reflect.ValueOf(n))
		return
	case t == rawMessageType:
		v.SetBytes(n.JSON())
		return
	case t == numberType:
		if d.want(n, Number, "a number") {
			v.SetString(n.Str)
		}
		return
	case t.Kind() == reflect.Pointer:
		if n.Kind == Null {
			v.SetZero()
			return
		}
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		d.value(n, v.Elem(), depth)
		return
	case v.CanAddr() && reflect.PointerTo(t).Implements(nodeDecoderType):
		d.errs = append(d.errs, v.Addr().Interface().(NodeDecoder).DecodeNode(n)...)
		return
	}
	switch t.Kind() {
	case reflect.String:
		if d.want(n, String, "a string") {
			v.SetString(n.Str)
		}
	case reflect.Bool:
		if d.want(n, Bool, "a boolean") {
			v.SetBool(n.Bool)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		d.integer(n, v)
	case reflect.Float32, reflect.Float64:
		if d.want(n, Number, "a number") {
			f, err := strconv.ParseFloat(n.Str, t.Bits())
			if errors.Is(err, strconv.ErrRange) {
				d.errs.Add(n, "number %s is out of range for a %d-bit float", n.Describe(), t.Bits())
				return
			} else if err != nil {
				d.errs.Add(n, "expected a number, got %s", n.Describe())
				return
			}
			v.SetFloat(f)
		}
	case reflect.Slice:
		if d.want(n, Array, "an array") {
			s := reflect.MakeSlice(t, len(n.Items), len(n.Items))
			for i, it := range n.Items {
				d.value(it, s.Index(i), depth+1)
			}
			v.Set(s)
		}
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			d.errs.Add(n, "internal error: cannot decode into %s (map key must be a string)", t)
		} else if d.want(n, Object, "an object") {
			m := reflect.MakeMapWithSize(t, len(n.Members))
			for _, mem := range n.Members {
				e := reflect.New(t.Elem()).Elem()
				d.value(mem.Value, e, depth+1)
				m.SetMapIndex(reflect.ValueOf(mem.Key).Convert(t.Key()), e)
			}
			v.Set(m)
		}
	case reflect.Struct:
		d.structure(n, v, depth)
	case reflect.Interface:
		if t.NumMethod() != 0 {
			d.errs.Add(n, "internal error: cannot decode into %s", t)
		} else if a := d.toAny(n, depth); a == nil {
			v.SetZero()
		} else {
			v.Set(reflect.ValueOf(a))
		}
	default:
		d.errs.Add(n, "internal error: cannot decode into %s", t)
	}
}

// want checks n's kind, recording "expected X, got Y" when it differs.
func (d *decoder) want(n *Node, k Kind, what string) bool {
	if n.Kind == k {
		return true
	}
	d.errs.Add(n, "expected %s, got %s", what, n.Kind.article())
	return false
}

// integer sets an int or uint field from an integer literal that fits.
// Exponents are fine when exact (1e3); fractions (1.0) are not integers.
func (d *decoder) integer(n *Node, v reflect.Value) {
	if !d.want(n, Number, "an integer") {
		return
	}
	digits, ok := integerDigits(n.Str)
	if !ok {
		d.errs.Add(n, "expected an integer, got %s", n.Describe())
		return
	}
	bits := v.Type().Bits()
	if v.CanInt() {
		if i, err := strconv.ParseInt(digits, 10, bits); err == nil {
			v.SetInt(i)
			return
		}
		lo, hi := int64(-1)<<(bits-1), int64(uint64(1)<<(bits-1)-1)
		d.errs.Add(n, "number %s is out of range (%d to %d)", n.Describe(), lo, hi)
		return
	}
	if u, err := strconv.ParseUint(digits, 10, bits); err == nil {
		v.SetUint(u)
		return
	}
	d.errs.Add(n, "number %s is out of range (0 to %d)", n.Describe(), uint64(math.MaxUint64)>>(64-bits))
}

// integerDigits turns an integer-valued number literal into plain decimal
// digits ("1e3" -> "1000", "-0" -> "0"). It refuses fractions. To bound the
// work on hostile exponents, a value with more digits than any Go integer
// holds comes back as 25 nines so that the range check rejects it.
func integerDigits(lit string) (string, bool) {
	neg := strings.HasPrefix(lit, "-")
	mant, exp, hasExp := strings.Cut(strings.ToLower(strings.TrimPrefix(lit, "-")), "e")
	if !allDigits(mant) {
		return "", false
	}
	e := 0
	if hasExp {
		expNeg := strings.HasPrefix(exp, "-")
		exp = strings.TrimPrefix(strings.TrimPrefix(exp, "+"), "-")
		if !allDigits(exp) {
			return "", false
		}
		exp = strings.TrimLeft(exp, "0")
		e, _ = strconv.Atoi(exp[:min(len(exp), 9)])
		if len(exp) > 9 {
			e = 1e9
		}
		if expNeg {
			e = -e
		}
	}
	body := strings.TrimLeft(mant, "0")
	switch {
	case body == "":
		return "0", true
	case e < 0:
		if len(body)-len(strings.TrimRight(body, "0")) < -e {
			return "", false
		}
		body = body[:len(body)+e]
	case len(body)+e > 25:
		body = strings.Repeat("9", 25)
	default:
		body += strings.Repeat("0", e)
	}
	if neg {
		body = "-" + body
	}
	return body, true
}

// allDigits reports whether s is a non-empty run of ASCII digits.
func allDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// toAny converts n to the generic Go form encoding/json would produce,
// keeping numbers exact as json.Number.
func (d *decoder) toAny(n *Node, depth int) any {
	if n == nil {
		return nil
	} else if depth > MaxDepth {
		d.errs.Add(n, "nesting too deep: more than %d levels of arrays and objects", MaxDepth)
		return nil
	}
	switch n.Kind {
	case Bool:
		return n.Bool
	case Number:
		return stdjson.Number(n.Str)
	case String:
		return n.Str
	case Array:
		a := make([]any, len(n.Items))
		for i, it := range n.Items {
			a[i] = d.toAny(it, depth+1)
		}
		return a
	case Object:
		m := make(map[string]any, len(n.Members))
		for _, mem := range n.Members {
			m[mem.Key] = d.toAny(mem.Value, depth+1)
		}
		return m
	}
	return nil
}

// StringOrList is the "string or list of strings" shape Sesam uses for
// description and comment fields.
type StringOrList []string

// ConfigType names the shape in the configuration reference.
func (StringOrList) ConfigType() string { return "string or list of strings" }

// DecodeNode accepts "a" or ["a", "b"].
func (s *StringOrList) DecodeNode(n *Node) Errors {
	var es Errors
	switch n.Kind {
	case String:
		*s = StringOrList{n.Str}
	case Array:
		out := make(StringOrList, 0, len(n.Items))
		for _, it := range n.Items {
			if it == nil {
				es.Add(n, "internal error: missing list item")
				continue
			} else if it.Kind != String {
				es.Add(it, "expected a string, got %s", it.Kind.article())
				continue
			}
			out = append(out, it.Str)
		}
		*s = out
	default:
		es.Add(n, "expected a string or a list of strings, got %s", n.Kind.article())
	}
	return es
}
