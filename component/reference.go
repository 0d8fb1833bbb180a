package component

import (
	"bytes"
	stdjson "encoding/json"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strings"

	"github.com/sluice-sync/sluice/pipes"
)

// Section is one documented config object of the configuration reference:
// a component type, or the pipe and pump objects the config loader owns.
type Section struct {
	Title   string // the heading, e.g. "`dataset`"
	Doc     string // Markdown paragraphs
	Config  any    // a pointer to the config struct holding its defaults
	Example string // a JSON example of the object
}

// SpecSection is the reference section of a component type.
func SpecSection(s Spec) Section {
	title := "`" + s.Type + "`"
	if s.Kind == KindSystem {
		title = "`system:" + s.Type + "`"
	}
	return Section{Title: title, Doc: s.Doc, Config: s.NewConfig(), Example: s.Example}
}

// WriteReference writes one Markdown page of the configuration reference:
// the page's title and introduction, then per section its doc, a table of
// its properties (with a table per nested object), the Sesam properties it
// accepts without effect, and its example. Everything comes from the
// config structs' tags and defaults, so the page cannot drift from the code.
func WriteReference(w io.Writer, title, intro string, sections []Section) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s\n\n<!-- Generated from the component specs by `go test ./cli -run TestReference -update`; do not edit. -->\n\n%s\n", title, strings.TrimSpace(intro))
	// A config type with a section of its own is not shown again inside
	// another (the pipe's pump).
	shown := map[reflect.Type]bool{}
	for _, s := range sections {
		shown[reflect.TypeOf(s.Config).Elem()] = true
	}
	for _, s := range sections {
		fmt.Fprintf(&b, "\n## %s\n\n%s\n", s.Title, strings.TrimSpace(s.Doc))
		writeFields(&b, "", reflect.ValueOf(s.Config).Elem(), shown)
		if sc, ok := s.Config.(pipes.SesamCompatible); ok && len(sc.SesamKeys()) > 0 {
			fmt.Fprintf(&b, "\nAccepted for Sesam compatibility, without effect: %s. Each gives the warning *%s*.\n",
				codeList(sc.SesamKeys()), pipes.SesamWarning("…"))
		}
		if s.Example != "" {
			if !stdjson.Valid([]byte(s.Example)) {
				return fmt.Errorf("%s: the example is not JSON", s.Title)
			}
			fmt.Fprintf(&b, "\nExample:\n\n```json\n%s\n```\n", strings.TrimSpace(s.Example))
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// writeFields writes the table of struct v's fields, then a table for each
// field that is itself an object (or a list or map of them), named by its
// path.
func writeFields(b *bytes.Buffer, path string, v reflect.Value, shown map[reflect.Type]bool) {
	fields := pipes.Fields(v.Type())
	if len(fields) == 0 || (path != "" && shown[v.Type()]) {
		return // a type shown already (or a recursive one) is not shown again
	}
	shown[v.Type()] = true
	if path != "" {
		fmt.Fprintf(b, "\n`%s`:\n", path)
	}
	b.WriteString("\n| property | type | default | |\n|---|---|---|---|\n")
	var nested []pipes.Field
	for _, f := range fields {
		fv, _ := f.Value(v)
		fmt.Fprintf(b, "| `%s` | %s | %s | %s |\n", f.Name, cell(typeName(f)), cell(defaultText(f, fv)), cell(codeIdents(f.Doc)))
		if ObjectType(f.GoType) != nil {
			nested = append(nested, f)
		}
	}
	for _, f := range nested {
		t := ObjectType(f.GoType)
		writeFields(b, strings.TrimPrefix(path+"."+f.Name, "."), reflect.New(t).Elem(), shown)
	}
}

// configTyper names a config type in the reference, for types that decode
// themselves (such as "a string or a list of strings").
type configTyper interface{ ConfigType() string }

var (
	configTyperType = reflect.TypeFor[configTyper]()
	nodeDecoderType = reflect.TypeFor[pipes.NodeDecoder]()
)

// leaf reports a type the reference does not open up: one that names
// itself or decodes itself.
func leaf(t reflect.Type) bool {
	for _, it := range []reflect.Type{configTyperType, nodeDecoderType} {
		if t.Implements(it) || reflect.PointerTo(t).Implements(it) {
			return true
		}
	}
	return false
}

// ObjectType is the struct a field holds (directly, by pointer, or as the
// elements of a list or map) when the reference should show its
// properties, or nil.
func ObjectType(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		if leaf(t) {
			return nil
		}
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || leaf(t) {
		return nil
	}
	for i := range t.NumField() {
		if _, ok := t.Field(i).Tag.Lookup("json"); ok {
			return t // a config struct: its fields have JSON names
		}
	}
	return nil
}

// typeName is how the reference names a field's type.
func typeName(f pipes.Field) string {
	if f.Type != "" {
		return codeIdents(f.Type)
	}
	if len(f.Enum) > 0 {
		return orList(f.Enum)
	}
	return goTypeName(f.GoType)
}

func goTypeName(t reflect.Type) string {
	if t.Implements(configTyperType) {
		return reflect.Zero(t).Interface().(configTyper).ConfigType()
	}
	if reflect.PointerTo(t).Implements(configTyperType) {
		return reflect.New(t).Interface().(configTyper).ConfigType()
	}
	switch t.Kind() {
	case reflect.Pointer:
		return goTypeName(t.Elem())
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "any" // raw JSON
		}
		return "list of " + plural(goTypeName(t.Elem()))
	case reflect.Map:
		return "object of " + plural(goTypeName(t.Elem()))
	case reflect.Struct:
		return "object"
	}
	return "any"
}

func plural(s string) string {
	switch {
	case s == "any":
		return "values"
	case strings.HasPrefix(s, "list of "), strings.HasPrefix(s, "object of "):
		return s
	}
	return s + "s"
}

// defaultText states a field's default: its tag, "required", or the value
// the defaults struct holds (blank when that is the zero value, except for
// booleans, where false is worth saying).
func defaultText(f pipes.Field, v reflect.Value) string {
	switch {
	case f.Default != "" && jsonScalar(f.Default):
		return "`" + f.Default + "`"
	case f.Default != "":
		return codeIdents(f.Default)
	case f.Required:
		return "required"
	case !v.IsValid():
		return ""
	case v.Kind() == reflect.Bool:
		return fmt.Sprintf("`%t`", v.Bool())
	case v.IsZero():
		return ""
	}
	j, err := stdjson.Marshal(v.Interface())
	if err != nil || string(j) == "null" || string(j) == "{}" {
		return ""
	}
	return "`" + string(j) + "`"
}

// jsonScalar reports a number, true or false.
func jsonScalar(s string) bool {
	var v any
	if err := stdjson.Unmarshal([]byte(s), &v); err != nil {
		return false
	}
	switch v.(type) {
	case float64, bool:
		return true
	}
	return false
}

// orList renders values as "`a`, `b` or `c`".
func orList(vs []string) string {
	s := codeList(vs)
	if i := strings.LastIndex(s, ", "); i >= 0 {
		s = s[:i] + " or " + s[i+2:]
	}
	return s
}

func codeList(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = "`" + v + "`"
	}
	return strings.Join(q, ", ")
}

// identRE matches the names worth setting in code in tag text (which, in a
// Go struct tag, cannot hold backquotes): property names like _id or
// schedule_interval, and quoted JSON strings like "pipe".
var identRE = regexp.MustCompile(`(^|[\s(,;:/{\[])(_[A-Za-z]\w*|[a-z][a-z0-9]*(?:_[a-z0-9]+)+|"[^"\s]*")`)

// codeIdents sets the property names and JSON strings in text in code.
func codeIdents(s string) string {
	return identRE.ReplaceAllString(s, "$1`$2`")
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}
