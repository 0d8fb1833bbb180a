package pipes

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Field is one JSON member a config struct accepts, as its tags declare
// it. The same declaration drives strict decoding (names, required, enum)
// and the generated configuration reference (doc, type, default, example):
//
//	Mode string `json:"mode" enum:"scheduled,manual,off" doc:"when the pipe runs"`
//
// Tags: json (the member name), cfg ("required"), enum (the allowed
// string values, comma-separated), doc (one line for the reference), type
// (how the reference names the type, when the Go type says it badly),
// default (how the reference states a default that is not a plain value,
// such as "the pipe's _id"), example (a JSON value).
type Field struct {
	Name     string
	Required bool
	Enum     []string
	Doc      string
	Type     string // the type tag; "" when the Go type says it
	Default  string // the default tag; "" when the defaults struct says it
	Example  string
	GoType   reflect.Type
	index    []int // path through embedded structs, for FieldByIndex
}

// fieldCache memoises Fields per struct type.
var fieldCache sync.Map // reflect.Type -> []Field

// Fields lists the members struct type t accepts in declaration order.
// Embedded structs without a json name are flattened; as in encoding/json
// a shallower field hides a deeper one of the same name.
func Fields(t reflect.Type) []Field {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]Field)
	}
	var out []Field
	seen := map[string]int{} // name -> depth that claimed it
	var walk func(t reflect.Type, index []int, depth int)
	walk = func(t reflect.Type, index []int, depth int) {
		for i := range t.NumField() {
			sf := t.Field(i)
			tag, hasTag := sf.Tag.Lookup("json")
			name, _, _ := strings.Cut(tag, ",")
			if tag == "-" {
				continue
			}
			idx := append(slices.Clone(index), i)
			ft := sf.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if sf.Anonymous && name == "" && ft.Kind() == reflect.Struct && depth < 16 &&
				(sf.IsExported() || sf.Type.Kind() != reflect.Pointer) {
				walk(ft, idx, depth+1)
				continue
			}
			if !sf.IsExported() {
				continue
			}
			if name == "" || !hasTag {
				name = sf.Name
			}
			if d, dup := seen[name]; dup && d <= depth {
				continue
			}
			seen[name] = depth
			out = slices.DeleteFunc(out, func(f Field) bool { return f.Name == name })
			var enum []string
			if e := sf.Tag.Get("enum"); e != "" {
				enum = strings.Split(e, ",")
			}
			out = append(out, Field{Name: name, index: idx, GoType: sf.Type,
				Required: slices.Contains(strings.Split(sf.Tag.Get("cfg"), ","), "required"),
				Enum:     enum, Doc: sf.Tag.Get("doc"), Type: sf.Tag.Get("type"),
				Default: sf.Tag.Get("default"), Example: sf.Tag.Get("example")})
		}
	}
	walk(t, nil, 0)
	fieldCache.Store(t, out)
	return out
}

// Value returns the field of struct v, allocating nil embedded pointers on
// the way; ok is false when it cannot be reached.
func (f Field) Value(v reflect.Value) (reflect.Value, bool) { return fieldByIndex(v, f.index) }

// SesamCompatible is a config struct that accepts keys Sesam documents but
// sluice does not apply. Each such key may hold any value and gives the
// warning SesamWarning; declaring them on the struct keeps them in one
// list, which the reference shows.
type SesamCompatible interface {
	SesamKeys() []string
}

// SesamWarning is the warning an accepted-without-effect key gives.
func SesamWarning(key string) string {
	return "property " + strconv.Quote(key) + " is accepted for Sesam compatibility but has no effect in sluice"
}

// EnumMessage is the error for a value outside a field's enum, e.g.
// `mode must be "scheduled", "manual" or "off", not "x"`.
func EnumMessage(name string, enum []string, got string) string {
	q := make([]string, len(enum))
	for i, e := range enum {
		q[i] = strconv.Quote(e)
	}
	list := q[0]
	if len(q) > 1 {
		list = strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
	}
	if len(q) > 3 {
		list = "one of " + list
	}
	return name + " must be " + list + ", not " + strconv.Quote(got)
}
