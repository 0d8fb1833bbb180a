package transforms

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/sluice-sync/sluice/pipes"
)

// printer renders the library's own messages, for the rare kinds Python's
// jsonschema has no words for.
var printer = message.NewPrinter(language.English)

// validate validates e and returns nil when it is valid, else its error
// messages. err is for an entity that cannot be validated (not JSON).
func (c *compiledSchema) validate(e []byte) ([]string, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(e))
	if err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	err = c.schema.Validate(doc)
	if err == nil {
		return nil, nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil, err
	}
	inst, err := pipes.Parse("entity", e)
	if err != nil {
		return nil, err
	}
	w := messageWriter{schema: c.node, instance: inst}
	w.collect(ve, nil, -1)
	slices.SortStableFunc(w.out, func(a, b located) int { return cmp.Or(cmp.Compare(a.anchor, b.anchor), cmp.Compare(a.at, b.at)) })
	msgs := make([]string, len(w.out))
	for i, m := range w.out {
		msgs[i] = m.msg
	}
	if len(msgs) == 0 { // cannot happen: a failed validation has a cause
		msgs = append(msgs, pyRepr(inst)+" is not valid under the given schema")
	}
	return msgs, nil
}

// located is a message with the place of its keyword in the schema's
// text: Python's jsonschema reports errors keyword by keyword as the
// schema is written, and so does this.
type located struct {
	anchor, at int // the place of the $ref it came through (else at), its own place
	msg        string
}

type messageWriter struct {
	schema, instance *pipes.Node
	out              []located
}

// collect writes the messages of e: what Python's jsonschema reports as
// one error each (a combinator that failed as a whole is one error; a
// subschema it descends into, such as a property's, gives its own).
// name is set below propertyNames, whose instance is a property name;
// anchor is the place of the $ref an error came through, which orders it.
func (w *messageWriter) collect(e *jsonschema.ValidationError, name *string, anchor int) {
	switch k := e.ErrorKind.(type) {
	case *kind.Schema, *kind.Group, *kind.AllOf:
		for _, c := range e.Causes {
			w.collect(c, name, anchor)
		}
		return
	case *kind.Reference:
		if anchor < 0 {
			anchor = w.place(e)
		}
		for _, c := range e.Causes {
			w.collect(c, name, anchor)
		}
		return
	case *kind.PropertyNames:
		p := k.Property
		for _, c := range e.Causes {
			w.collect(c, &p, anchor)
		}
		return
	}
	inst := w.instance.Child(pointer(e.InstanceLocation))
	if name != nil {
		inst = &pipes.Node{Kind: pipes.String, Str: *name}
	}
	sch, kw := w.keyword(e)
	at := w.place(e)
	if anchor < 0 {
		anchor = at
	}
	for _, m := range w.messages(e.ErrorKind, inst, sch, kw) {
		w.out = append(w.out, located{anchor, at, m})
	}
}

// place is where e's keyword is written in the schema (its end when it
// cannot be found).
func (w *messageWriter) place(e *jsonschema.ValidationError) int {
	sch, kw := w.keyword(e)
	switch {
	case kw != nil:
		return kw.Pos.Offset
	case sch != nil:
		return sch.Pos.Offset
	}
	return math.MaxInt
}

// keyword finds the schema object e comes from and the value of its
// keyword in the schema's text, when they can be found.
func (w *messageWriter) keyword(e *jsonschema.ValidationError) (sch, kw *pipes.Node) {
	frag, ok := strings.CutPrefix(e.SchemaURL, schemaURL+"#")
	if !ok {
		return nil, nil
	}
	sch = w.schema.Child(frag)
	if sch == nil {
		return nil, nil
	}
	if name := keywordName(e.ErrorKind); name != "" {
		kw = sch.Get(name)
	}
	return sch, kw
}

// keywordName is the schema keyword an error kind is about, or "".
func keywordName(k jsonschema.ErrorKind) string {
	switch k.(type) {
	case *kind.Not:
		return "not"
	case *kind.Dependency:
		return "dependencies"
	}
	if path := k.KeywordPath(); len(path) > 0 {
		return path[0]
	}
	return ""
}

// messages says what is wrong in the words of Python's jsonschema (4.x),
// which are what Sesam shows.
func (w *messageWriter) messages(k jsonschema.ErrorKind, inst, sch, kw *pipes.Node) []string {
	r := pyRepr(inst)
	num := func(rat *big.Rat) string {
		if kw != nil && kw.Kind == pipes.Number {
			return pyRepr(kw)
		}
		return ratRepr(rat)
	}
	switch k := k.(type) {
	case *kind.Type:
		var q []string
		switch {
		case kw != nil && kw.Kind == pipes.Array:
			for _, t := range kw.Items {
				q = append(q, pyRepr(t))
			}
		case kw != nil:
			q = []string{pyRepr(kw)}
		default:
			for _, t := range k.Want {
				q = append(q, pyString(t))
			}
		}
		return []string{fmt.Sprintf("%s is not of type %s", r, strings.Join(q, ", "))}
	case *kind.Required:
		out := make([]string, len(k.Missing))
		for i, p := range k.Missing {
			out[i] = pyString(p) + " is a required property"
		}
		return out
	case *kind.Dependency:
		return dependencies(k.Prop, k.Missing)
	case *kind.DependentRequired:
		return dependencies(k.Prop, k.Missing)
	case *kind.Enum:
		return []string{fmt.Sprintf("%s is not one of %s", r, reprOr(kw, k.Want))}
	case *kind.Const:
		return []string{fmt.Sprintf("%s was expected", reprOr(kw, k.Want))}
	case *kind.Format:
		return []string{fmt.Sprintf("%s is not a %s", r, pyString(k.Want))}
	case *kind.Pattern:
		return []string{fmt.Sprintf("%s does not match %s", r, pyString(k.Want))}
	case *kind.MinLength, *kind.MinItems:
		return []string{r + " is too short"}
	case *kind.MaxLength, *kind.MaxItems:
		return []string{r + " is too long"}
	case *kind.MinProperties:
		return []string{r + " does not have enough properties"}
	case *kind.MaxProperties:
		return []string{r + " has too many properties"}
	case *kind.UniqueItems:
		return []string{r + " has non-unique elements"}
	case *kind.Minimum:
		return []string{fmt.Sprintf("%s is less than the minimum of %s", r, num(k.Want))}
	case *kind.Maximum:
		return []string{fmt.Sprintf("%s is greater than the maximum of %s", r, num(k.Want))}
	case *kind.ExclusiveMinimum:
		return []string{fmt.Sprintf("%s is less than or equal to the minimum of %s", r, num(k.Want))}
	case *kind.ExclusiveMaximum:
		return []string{fmt.Sprintf("%s is greater than or equal to the maximum of %s", r, num(k.Want))}
	case *kind.MultipleOf:
		return []string{fmt.Sprintf("%s is not a multiple of %s", r, num(k.Want))}
	case *kind.AdditionalProperties:
		return []string{additionalProperties(k.Properties, sch)}
	case *kind.AdditionalItems:
		var extras []string
		if inst != nil && k.Count <= len(inst.Items) {
			for _, it := range inst.Items[len(inst.Items)-k.Count:] {
				extras = append(extras, pyRepr(it))
			}
		}
		return []string{"Additional items are not allowed (" + unexpected(extras) + ")"}
	case *kind.Contains:
		return []string{r + " does not contain items matching the given schema"}
	case *kind.MinContains:
		return []string{fmt.Sprintf("Too few items match the given schema (expected at least %d but only %d matched)", k.Want, len(k.Got))}
	case *kind.MaxContains:
		return []string{fmt.Sprintf("Too many items match the given schema (expected at most %d)", k.Want)}
	case *kind.AnyOf:
		return []string{r + " is not valid under any of the given schemas"}
	case *kind.OneOf:
		if len(k.Subschemas) < 2 || kw == nil || kw.Kind != pipes.Array {
			return []string{r + " is not valid under any of the given schemas"}
		}
		i, j := k.Subschemas[0], k.Subschemas[1]
		return []string{fmt.Sprintf("%s is valid under each of %s, %s", r, pyRepr(kw.Child("/"+strconv.Itoa(j))), pyRepr(kw.Child("/"+strconv.Itoa(i))))}
	case *kind.Not:
		if sch != nil {
			if not := sch.Get("not"); not != nil {
				return []string{fmt.Sprintf("%s should not be valid under %s", r, pyRepr(not))}
			}
		}
		return []string{r + " should not be valid under the given schema"}
	case *kind.FalseSchema:
		return []string{"False schema does not allow " + r}
	}
	return []string{k.LocalizedString(printer)}
}

func dependencies(prop string, missing []string) []string {
	out := make([]string, len(missing))
	for i, m := range missing {
		out[i] = fmt.Sprintf("%s is a dependency of %s", pyString(m), pyString(prop))
	}
	return out
}

// additionalProperties words the additionalProperties error as Python's
// jsonschema does: the extra properties sorted, and when the schema has
// patternProperties, the patterns they do not match.
func additionalProperties(props []string, sch *pipes.Node) string {
	extras := reprs(slices.Sorted(slices.Values(props)))
	var patterns *pipes.Node
	if sch != nil {
		patterns = sch.Get("patternProperties")
	}
	if patterns == nil || patterns.Kind != pipes.Object {
		return "Additional properties are not allowed (" + unexpected(extras) + ")"
	}
	var pats []string
	for _, m := range patterns.Members {
		pats = append(pats, m.Key)
	}
	slices.Sort(pats)
	verb := "does"
	if len(extras) > 1 {
		verb = "do"
	}
	return fmt.Sprintf("%s %s not match any of the regexes: %s", strings.Join(extras, ", "), verb, strings.Join(reprs(pats), ", "))
}

// reprs is the Python repr of each string.
func reprs(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = pyString(s)
	}
	return out
}

// unexpected is Python's jsonschema's "'a', 'b' were unexpected".
func unexpected(reprs []string) string {
	verb := "was"
	if len(reprs) != 1 {
		verb = "were"
	}
	return strings.Join(reprs, ", ") + " " + verb + " unexpected"
}

// reprOr is the repr of the schema's keyword value, or of v when the
// schema's text is not at hand.
func reprOr(kw *pipes.Node, v any) string {
	if kw != nil {
		return pyRepr(kw)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	n, err := pipes.Parse("value", b)
	if err != nil {
		return string(b)
	}
	return pyRepr(n)
}

// pyRepr writes a JSON value as Python's repr writes what json.loads makes
// of it: None, True, 'text', 1, 1.5, [1, 2], {'a': 1}.
func pyRepr(n *pipes.Node) string {
	var b strings.Builder
	writeRepr(&b, n)
	return b.String()
}

func writeRepr(b *strings.Builder, n *pipes.Node) {
	if n == nil {
		b.WriteString("None")
		return
	}
	switch n.Kind {
	case pipes.Null:
		b.WriteString("None")
	case pipes.Bool:
		if n.Bool {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case pipes.Number:
		b.WriteString(pyNumber(n.Str))
	case pipes.String:
		b.WriteString(pyString(n.Str))
	case pipes.Array:
		b.WriteByte('[')
		for i, it := range n.Items {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, it)
		}
		b.WriteByte(']')
	case pipes.Object:
		b.WriteByte('{')
		for i, m := range n.Members {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(pyString(m.Key))
			b.WriteString(": ")
			writeRepr(b, m.Value)
		}
		b.WriteByte('}')
	}
}

// pyNumber writes a JSON number literal as Python does once json.loads
// has read it: integers exactly, others as floats (1e5 is 100000.0).
func pyNumber(lit string) string {
	if !strings.ContainsAny(lit, ".eE") {
		if lit == "-0" {
			return "0"
		}
		return lit
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil && !math.IsInf(f, 0) {
		return lit
	}
	return pyFloat(f)
}

// pyFloat is Python's repr of a float: the shortest digits that read back,
// in positional notation for exponents from -4 to 15, else scientific.
func pyFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	sign := ""
	if math.Signbit(f) {
		sign, f = "-", -f
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	mant, expText, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expText)
	digits := strings.Replace(mant, ".", "", 1)
	if exp < -4 || exp >= 16 {
		m := digits[:1]
		if len(digits) > 1 {
			m += "." + digits[1:]
		}
		es := fmt.Sprintf("%+03d", exp)
		return sign + m + "e" + es
	}
	if exp < 0 {
		return sign + "0." + strings.Repeat("0", -exp-1) + digits
	}
	if len(digits) <= exp+1 {
		return sign + digits + strings.Repeat("0", exp+1-len(digits)) + ".0"
	}
	return sign + digits[:exp+1] + "." + digits[exp+1:]
}

// ratRepr writes a schema limit the library gives as a fraction.
func ratRepr(r *big.Rat) string {
	if r == nil {
		return "None"
	}
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return pyFloat(f)
}

// pyString is Python's repr of a str: single quotes unless the text has
// one and no double quote, and escapes for what is not printable.
func pyString(s string) string {
	q := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == ' ' || unicode.IsPrint(r):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

// pointer writes tokens as an RFC 6901 JSON pointer.
func pointer(tokens []string) string {
	var b strings.Builder
	esc := strings.NewReplacer("~", "~0", "/", "~1")
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(esc.Replace(t))
	}
	return b.String()
}

// appendJSONString appends s as a JSON string, escaping only what JSON
// requires (encoding/json would also escape <, > and &).
func appendJSONString(b []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})...)
}
