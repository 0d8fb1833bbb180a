package pipes

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// structure decodes an object into struct v, then runs its Validate hook
// when everything inside decoded cleanly.
func (d *decoder) structure(n *Node, v reflect.Value, depth int) {
	if !d.want(n, Object, "an object") {
		return
	}
	before := d.errorCount()
	fields := Fields(v.Type())
	var sesam []string
	if v.CanAddr() {
		if s, ok := v.Addr().Interface().(SesamCompatible); ok {
			sesam = s.SesamKeys()
		}
	}
	present := map[string]bool{}
	var badEnum []Member // checked with Validate, once everything decoded
	for _, m := range n.Members {
		i := slices.IndexFunc(fields, func(f Field) bool { return f.Name == m.Key })
		if i < 0 && strings.Contains(m.Key, "-") {
			// Older Sesam configs spell keys with dashes, which Sesam still
			// reads: take it as the current key, and say so.
			current := strings.ReplaceAll(m.Key, "-", "_")
			if i = slices.IndexFunc(fields, func(f Field) bool { return f.Name == current }); i >= 0 {
				if present[current] || n.Get(current) != nil {
					d.errs.Warn(m.Value, "%q is an old spelling of %q, which is set too; sluice uses %q", m.Key, current, current)
					continue
				}
				d.errs.Warn(m.Value, "%q is an old spelling of %q; sluice reads it as that", m.Key, current)
			}
		}
		if i < 0 {
			if slices.Contains(sesam, m.Key) || slices.Contains(sesam, strings.ReplaceAll(m.Key, "-", "_")) {
				d.errs.Warn(m.Value, "%s", SesamWarning(m.Key))
				continue
			}
			d.errs.Add(m.Value, "unknown property %q%s", m.Key, Suggest(m.Key, append(fieldNames(fields), sesam...)))
			continue
		}
		f := fields[i]
		present[f.Name] = true
		if fv, ok := f.Value(v); ok {
			d.value(m.Value, fv, depth+1)
			if f.Enum != nil && m.Value.Kind == String && !slices.Contains(f.Enum, m.Value.Str) {
				badEnum = append(badEnum, m)
			}
		}
	}
	for _, f := range fields {
		if f.Required && !present[f.Name] {
			d.errs.Add(n, "missing required property %q", f.Name)
		}
	}
	if d.errorCount() != before {
		return
	}
	for _, m := range badEnum {
		f := fields[slices.IndexFunc(fields, func(f Field) bool { return f.Name == m.Key })]
		d.errs.Add(m.Value, "%s", EnumMessage(f.Name, f.Enum, m.Value.Str))
	}
	if v.CanAddr() && v.Addr().Type().Implements(validatorType) {
		if err := v.Addr().Interface().(validator).Validate(); err != nil {
			d.placeValidation(n, err)
		}
	}
}

// fieldByIndex is reflect's FieldByIndex, allocating nil embedded pointers
// on the way; ok is false when one cannot be set (unexported).
func fieldByIndex(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				if !v.CanSet() {
					return v, false
				}
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, v.CanSet()
}

// placeValidation puts a Validate error where it belongs: each FieldError
// (joined or not) at its member, anything else at the object.
func (d *decoder) placeValidation(n *Node, err error) {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range joined.Unwrap() {
			d.placeValidation(n, e)
		}
		return
	}
	var fe *FieldError
	if !errors.As(err, &fe) {
		d.errs.Add(n, "%v", err)
		return
	}
	if m := n.Get(fe.Field); m != nil && fe.Err != nil {
		if fe == err {
			d.placeValidation(m, fe.Err)
		} else {
			d.errs.Add(m, "%v", err)
		}
		return
	}
	d.errs.Add(n, "%v", err)
}

func (d *decoder) errorCount() int {
	c := 0
	for _, e := range d.errs {
		if !e.Warning {
			c++
		}
	}
	return c
}

// Suggest proposes the known name a mistyped one probably meant: same
// letters ignoring case and '-' vs '_', or within edit distance 2; ties go
// to the earliest in names. It returns " (did you mean "x"?)" or "".
func Suggest(key string, names []string) string {
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "-", "_") }
	best, bestDist := "", 3
	for _, name := range names {
		if norm(name) == norm(key) {
			return fmt.Sprintf(" (did you mean %q?)", name)
		}
		if dist := editDistance(key, name, bestDist); dist < bestDist && dist < len(name) {
			best, bestDist = name, dist
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func fieldNames(fields []Field) []string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name
	}
	return names
}

// editDistance is the Levenshtein distance between a and b in runes, or
// limit when it is at least limit (so long hostile keys cost little).
func editDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra)-len(rb) >= limit || len(rb)-len(ra) >= limit {
		return limit
	}
	prev, cur := make([]int, len(rb)+1), make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return min(prev[len(rb)], limit)
}
