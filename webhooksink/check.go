package webhooksink

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/sluice-sync/sluice/dtl"
	"github.com/sluice-sync/sluice/pipes"
)

// CheckConfig is the sink's "check": a DTL condition or a JSON Schema
// (exactly one). Entities that pass go to the "valid" stream, the others
// to the "invalid" stream with the reasons.
type CheckConfig struct {
	// Condition is a DTL expression evaluated with _S bound to the entity
	// (transit-decoded, so "~t..." strings are datetimes). The entity is
	// valid only when the result is exactly the boolean true: false, null,
	// a non-empty list such as [true], 1 or "true" all make it invalid.
	// Hops and lookups are not available.
	Condition any `json:"condition" type:"DTL expression" doc:"the entity (_S) is valid when the result is exactly true"`
	// Schema is a JSON Schema (draft 2020-12 unless its "$schema" names
	// another draft) that the entity, as plain JSON, must satisfy:
	// transit-encoded values are the strings they are written as. Only the
	// inline schema is used: a "$ref" may point into it (e.g. "#/$defs/x")
	// but never to a file or URL. As the draft says, "format" is an
	// annotation and is not asserted.
	Schema map[string]any `json:"schema" type:"JSON Schema" doc:"the entity is valid when it satisfies the schema (draft 2020-12 unless its $schema says otherwise); the schema must be self-contained"`
}

// Validate checks that exactly one of condition and schema is set, and
// compiles it so that a bad expression or schema is reported, placed at
// the member at fault, when the config is decoded.
func (c *CheckConfig) Validate() error {
	_, err := compileCheck(c)
	return err
}

// Checker is a compiled CheckConfig. It is immutable and safe for
// concurrent use.
type Checker struct {
	cond   dtl.Expr           // the condition, or nil
	schema *jsonschema.Schema // the schema, or nil
}

// NewChecker compiles c. The errors are those of Validate.
func NewChecker(c *CheckConfig) (*Checker, error) {
	return compileCheck(c)
}

// maxReasons caps the reasons Check gives for one entity.
const maxReasons = 10

// Check says whether e (a JSON object) is valid, and if not why, in short
// human-readable reasons ("/age: must be >= 0, got -1", "condition is
// false"); there are at most 10 of them, sorted by place in the entity.
// err is for entities that cannot be checked (not a JSON object, a DTL
// runtime error), never for invalid ones; valid and reasons are then false
// and nil.
func (c *Checker) Check(e []byte) (valid bool, reasons []string, err error) {
	switch {
	case c == nil:
		return false, nil, errors.New("no checker")
	case c.cond != nil:
		return c.checkCondition(e)
	case c.schema != nil:
		return c.checkSchema(e)
	}
	return false, nil, errors.New("the checker has neither a condition nor a schema")
}

func (c *Checker) checkCondition(e []byte) (bool, []string, error) {
	src, err := dtl.DecodeEntity(e)
	if err != nil {
		return false, nil, err
	}
	v, err := dtl.EvalExpr(context.Background(), c.cond, src, nil)
	if err != nil {
		return false, nil, fmt.Errorf("condition: %w", err)
	}
	if b, ok := v.(bool); ok {
		if b {
			return true, nil, nil
		}
		return false, []string{"condition is false"}, nil
	}
	return false, []string{fmt.Sprintf("condition is not true (got %s)", dtl.KindOf(v))}, nil
}

func (c *Checker) checkSchema(e []byte) (bool, []string, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(e))
	if err != nil {
		return false, nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if _, ok := doc.(map[string]any); !ok {
		return false, nil, errors.New("an entity must be a JSON object")
	}
	err = c.schema.Validate(doc)
	if err == nil {
		return true, nil, nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return false, nil, fmt.Errorf("schema: %w", err)
	}
	var leaves []*jsonschema.ValidationError
	collectLeaves(ve, &leaves)
	sortLeaves(leaves)
	n := len(leaves)
	if n > maxReasons {
		leaves = leaves[:maxReasons-1]
	}
	reasons := make([]string, 0, len(leaves)+1)
	for _, l := range leaves {
		reasons = append(reasons, describeLeaf(l))
	}
	if n > len(leaves) {
		reasons = append(reasons, fmt.Sprintf("and %d more", n-len(leaves)))
	}
	if len(reasons) == 0 { // cannot happen: a failed validation has a cause
		reasons = append(reasons, "does not match the schema")
	}
	return false, reasons, nil
}

// printer renders the library's messages.
var printer = message.NewPrinter(language.English)

// describeKind says what is wrong. The library's messages put numbers
// through float64 and group their digits ("100,000"); the numeric
// keywords are said here instead, exactly and as JSON writes numbers.
func describeKind(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Minimum:
		return fmt.Sprintf("must be >= %s, got %s", ratString(k.Want), ratString(k.Got))
	case *kind.Maximum:
		return fmt.Sprintf("must be <= %s, got %s", ratString(k.Want), ratString(k.Got))
	case *kind.ExclusiveMinimum:
		return fmt.Sprintf("must be > %s, got %s", ratString(k.Want), ratString(k.Got))
	case *kind.ExclusiveMaximum:
		return fmt.Sprintf("must be < %s, got %s", ratString(k.Want), ratString(k.Got))
	case *kind.MultipleOf:
		return fmt.Sprintf("must be a multiple of %s, got %s", ratString(k.Want), ratString(k.Got))
	case *kind.MinLength:
		return fmt.Sprintf("must be at least %d characters long, got %d", k.Want, k.Got)
	case *kind.MaxLength:
		return fmt.Sprintf("must be at most %d characters long, got %d", k.Want, k.Got)
	case *kind.MinItems:
		return fmt.Sprintf("must have at least %d items, got %d", k.Want, k.Got)
	case *kind.MaxItems:
		return fmt.Sprintf("must have at most %d items, got %d", k.Want, k.Got)
	case *kind.MinProperties:
		return fmt.Sprintf("must have at least %d properties, got %d", k.Want, k.Got)
	case *kind.MaxProperties:
		return fmt.Sprintf("must have at most %d properties, got %d", k.Want, k.Got)
	case *kind.AdditionalProperties: // listed in map order
		k = &kind.AdditionalProperties{Properties: slices.Sorted(slices.Values(k.Properties))}
		return k.LocalizedString(printer)
	}
	return k.LocalizedString(printer)
}

// ratString writes r as a JSON number would: an integer, or a decimal
// fraction with as many digits as it needs. Numbers too long to read are
// rounded.
func ratString(r *big.Rat) string {
	if r == nil {
		return "?"
	}
	var s string
	if r.IsInt() {
		s = r.Num().String()
	} else if digits, ok := decimalDigits(r.Denom()); ok {
		s = r.FloatString(digits)
	}
	if s == "" || len(s) > 30 {
		f, _ := r.Float64()
		s = strconv.FormatFloat(f, 'g', -1, 64)
	}
	return s
}

// decimalDigits gives how many fraction digits 1/d needs, when it is a
// terminating decimal fraction (d = 2^a 5^b), and false otherwise or when
// it needs more than a screenful.
func decimalDigits(d *big.Int) (int, bool) {
	two := int(d.TrailingZeroBits())
	q := new(big.Int).Rsh(d, uint(two))
	five, quo, rem := 0, new(big.Int), new(big.Int)
	for fiveBig := big.NewInt(5); q.Cmp(big.NewInt(1)) > 0; five++ {
		if quo.QuoRem(q, fiveBig, rem); rem.Sign() != 0 {
			return 0, false
		}
		q.Set(quo)
	}
	if digits := max(two, five); digits <= 30 {
		return digits, true
	}
	return 0, false
}

// collectLeaves gathers the innermost errors, the ones that say what is
// wrong rather than which combinator failed, in the library's order.
func collectLeaves(e *jsonschema.ValidationError, out *[]*jsonschema.ValidationError) {
	if len(e.Causes) == 0 {
		if _, ok := e.ErrorKind.(*kind.Schema); !ok {
			*out = append(*out, e)
		}
		return
	}
	for _, c := range e.Causes {
		collectLeaves(c, out)
	}
}

// sortLeaves orders errors by where they are in the entity (the library
// visits properties in map order), so an entity always gets the same
// reasons in the same order. Errors at one place keep the library's order.
func sortLeaves(leaves []*jsonschema.ValidationError) {
	slices.SortStableFunc(leaves, func(a, b *jsonschema.ValidationError) int {
		return slices.CompareFunc(a.InstanceLocation, b.InstanceLocation, compareTokens)
	})
}

// compareTokens orders pointer tokens, array indexes by number.
func compareTokens(a, b string) int {
	if isIndex(a) && isIndex(b) {
		return cmp.Or(cmp.Compare(len(a), len(b)), cmp.Compare(a, b))
	}
	return cmp.Compare(a, b)
}

func isIndex(s string) bool {
	if s == "" || len(s) > 1 && s[0] == '0' {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// maxReasonLen caps a reason's length in runes: messages can quote the
// entity's values, which may be long.
const maxReasonLen = 200

// describeLeaf renders "/pointer: message", or just the message for the
// entity as a whole.
func describeLeaf(e *jsonschema.ValidationError) string {
	msg := describeKind(e.ErrorKind)
	if len(e.InstanceLocation) > 0 {
		msg = pointer(e.InstanceLocation) + ": " + msg
	}
	if utf8.RuneCountInString(msg) > maxReasonLen {
		msg = string([]rune(msg)[:maxReasonLen-1]) + "…"
	}
	return msg
}

// pointer renders tokens as an RFC 6901 JSON pointer.
func pointer(tokens []string) string {
	var b strings.Builder
	esc := strings.NewReplacer("~", "~0", "/", "~1")
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(esc.Replace(t))
	}
	return b.String()
}

// schemaURL names the inline schema; it is never fetched. It is
// hierarchical so that relative references resolve under it (and are
// refused by noLoader) rather than to the schema itself.
const schemaURL = "sluice:///check.json"

// compileCheck builds the Checker, or returns FieldErrors for the
// condition or schema (errors.Join-ed when there are several).
func compileCheck(c *CheckConfig) (*Checker, error) {
	switch {
	case c == nil:
		return nil, errors.New("no check configured")
	case c.Condition != nil && c.Schema != nil:
		return nil, errors.New(`set either "condition" or "schema", not both`)
	case c.Condition != nil:
		e, err := compileCondition(c.Condition)
		if err != nil {
			return nil, err
		}
		return &Checker{cond: e}, nil
	case c.Schema != nil:
		s, err := compileSchema(c.Schema)
		if err != nil {
			return nil, err
		}
		return &Checker{schema: s}, nil
	}
	return nil, errors.New(`a check needs a "condition" (a DTL expression) or a "schema" (a JSON Schema)`)
}

// compileCondition compiles the DTL expression. The config decoder hands
// it over as plain values, so it is turned back into a node to compile;
// each error is placed as deep as object keys lead, the rest of its
// pointer going in the message.
func compileCondition(cond any) (dtl.Expr, error) {
	b, err := json.Marshal(cond)
	if err != nil {
		return nil, &pipes.FieldError{Field: "condition", Err: err}
	}
	n, err := pipes.Parse("condition", b)
	if err != nil {
		return nil, &pipes.FieldError{Field: "condition", Err: err}
	}
	e, err := dtl.CompileExpr(n, dtl.Options{})
	var es pipes.Errors
	if err != nil && !errors.As(err, &es) {
		return nil, &pipes.FieldError{Field: "condition", Err: err}
	}
	es = append(es, noDatasets(n)...)
	if len(es) == 0 {
		return e, nil
	}
	var errs []error
	for _, pe := range es {
		if pe != nil && !pe.Warning {
			errs = append(errs, placed(cond, "condition", splitPointer(pe.Pointer), errors.New(pe.Msg)))
		}
	}
	return nil, errors.Join(errs...)
}

// noDatasets reports the functions that read datasets, which have none
// to read in a check and would fail on every entity.
func noDatasets(n *pipes.Node) pipes.Errors {
	var es pipes.Errors
	n.Walk(func(n *pipes.Node) bool {
		if n.Kind == pipes.Object { // a literal dict
			return false
		}
		if n.Kind != pipes.Array || len(n.Items) == 0 || n.Items[0].Kind != pipes.String {
			return true
		}
		switch name := n.Items[0].Str; name {
		case "literal":
			return false
		case "hops", "lookup-entity":
			es.Add(n.Items[0], "%s cannot be used in a check: it has no datasets to read", name)
		}
		return true
	})
	return es
}

// compileSchema compiles the schema with every loader refused, so that
// nothing but the inline document (and the drafts' own metaschemas,
// built into the library) is ever read.
func compileSchema(schema map[string]any) (*jsonschema.Schema, error) {
	// Round-trip through JSON so that any Go values (ints, nested
	// structs) become what the library expects: json.Number and friends.
	b, err := json.Marshal(schema)
	if err != nil {
		return nil, &pipes.FieldError{Field: "schema", Err: err}
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, &pipes.FieldError{Field: "schema", Err: err}
	}
	comp := jsonschema.NewCompiler()
	comp.DefaultDraft(jsonschema.Draft2020)
	comp.UseLoader(noLoader{})
	if err := comp.AddResource(schemaURL, doc); err != nil {
		return nil, &pipes.FieldError{Field: "schema", Err: err}
	}
	s, err := comp.Compile(schemaURL)
	if err == nil {
		return s, nil
	}
	var sve *jsonschema.SchemaValidationError
	var ve *jsonschema.ValidationError
	if errors.As(err, &sve) && errors.As(sve.Err, &ve) {
		var leaves []*jsonschema.ValidationError
		collectLeaves(ve, &leaves)
		sortLeaves(leaves)
		// A keyword that may take several shapes ("type": a name or a
		// list of names) fails once per shape: the first one says enough.
		leaves = slices.CompactFunc(leaves, func(a, b *jsonschema.ValidationError) bool {
			return slices.Equal(a.InstanceLocation, b.InstanceLocation)
		})
		if len(leaves) > 0 {
			errs := make([]error, 0, len(leaves))
			for _, l := range leaves {
				msg := errors.New(describeKind(l.ErrorKind))
				errs = append(errs, placed(doc, "schema", l.InstanceLocation, msg))
			}
			return nil, errors.Join(errs...)
		}
	}
	var le *jsonschema.LoadURLError
	if errors.As(err, &le) {
		url := strings.TrimPrefix(le.URL, "sluice:///")
		err = fmt.Errorf("cannot use %q: a check schema must be self-contained (refer to parts of it with \"#/$defs/...\")", url)
	} else {
		err = errors.New(strings.ReplaceAll(err.Error(), schemaURL, "schema"))
	}
	return nil, &pipes.FieldError{Field: "schema", Err: err}
}

// noLoader refuses every URL: a check schema must be self-contained, and
// neither files nor the network are read.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, errors.New("not loaded: only the inline schema is used")
}

// placed wraps err in FieldErrors from field down the object keys of
// tokens (a path in root, the value of field), so the config decoder puts
// it on the member at fault. Decoders cannot place by array index, so
// from the first list on the rest of the path goes in the message as
// "at /1/0: ...".
func placed(root any, field string, tokens []string, err error) error {
	fields := []string{field}
	v := root
	i := 0
	for ; i < len(tokens); i++ {
		obj, ok := v.(map[string]any)
		if !ok {
			break
		}
		child, ok := obj[tokens[i]]
		if !ok {
			break
		}
		fields = append(fields, tokens[i])
		v = child
	}
	if i < len(tokens) {
		err = fmt.Errorf("at %s: %w", pointer(tokens[i:]), err)
	}
	for j := len(fields) - 1; j >= 0; j-- {
		err = &pipes.FieldError{Field: fields[j], Err: err}
	}
	return err
}

// splitPointer splits an RFC 6901 pointer into unescaped tokens.
func splitPointer(p string) []string {
	if p == "" {
		return nil
	}
	toks := strings.Split(strings.TrimPrefix(p, "/"), "/")
	unesc := strings.NewReplacer("~1", "/", "~0", "~")
	for i, t := range toks {
		toks[i] = unesc.Replace(t)
	}
	return toks
}
