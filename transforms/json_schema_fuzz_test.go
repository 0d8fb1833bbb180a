package transforms

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/sluice-sync/sluice/pipes"
)

// fuzzSchema uses most keywords, nested, so that entities reach every
// message.
const fuzzSchema = `{"type": "object", "required": ["_id", "n"], "additionalProperties": {"type": ["string", "number", "array", "object", "boolean", "null"]},
 "properties": {
  "n": {"type": "integer", "minimum": 0, "maximum": 10, "multipleOf": 2, "not": {"const": 4}},
  "s": {"type": "string", "minLength": 2, "maxLength": 5, "pattern": "^[a-z]+$", "enum": ["ab", "abc", "x'y"]},
  "l": {"type": "array", "minItems": 1, "maxItems": 3, "uniqueItems": true, "items": {"$ref": "#/$defs/item"}, "contains": {"type": "null"}},
  "o": {"type": "object", "minProperties": 1, "maxProperties": 2, "propertyNames": {"maxLength": 3}, "dependentRequired": {"a": ["b"]},
        "patternProperties": {"^x": {"type": "boolean"}}, "additionalProperties": false},
  "u": {"anyOf": [{"type": "string"}, {"type": "null"}], "oneOf": [{"type": "number"}, {"type": "integer"}]}
 },
 "$defs": {"item": {"type": ["number", "null"], "exclusiveMinimum": -1.5, "exclusiveMaximum": 1e3}}}`

// FuzzJSONSchemaMessages validates arbitrary entities: an entity that is
// not valid gets at least one message, a valid one none, and nothing
// panics.
func FuzzJSONSchemaMessages(f *testing.F) {
	for _, seed := range []string{
		`{"_id": "1", "n": 2}`,
		`{"_id": "1", "n": 4.0, "s": "A", "l": [1, 1, "x", 2000], "o": {"xa": 1, "abcd": 2, "a": 3}, "u": 1}`,
		`{"n": -1e400, "s": "x'y\"\u0001\u00e9", "l": [], "o": {}, "u": [null, {"k": true}]}`,
		`{"_id": 1}`,
	} {
		f.Add(seed)
	}
	n, err := pipes.Parse("schema", []byte(fuzzSchema))
	if err != nil {
		f.Fatal(err)
	}
	s, errs := compileSchema(n)
	if errs.HasErrors() {
		f.Fatal(errs)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		var v map[string]any
		if json.Unmarshal([]byte(doc), &v) != nil {
			return // the transform only sees stored entities: JSON objects
		}
		if _, err := pipes.Parse("entity", []byte(doc)); err != nil {
			return // e.g. a key given twice, which the store refuses
		}
		msgs, err := s.validate([]byte(doc))
		if err != nil {
			return
		}
		valid := s.schema.Validate(decodeForSchema(t, doc)) == nil
		if valid != (msgs == nil) || (!valid && len(msgs) == 0) {
			t.Fatalf("valid %t, messages %q", valid, msgs)
		}
		for _, m := range msgs {
			if m == "" {
				t.Fatalf("an empty message among %q", msgs)
			}
		}
	})
}

func decodeForSchema(t *testing.T, doc string) any {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(doc)))
	if err != nil {
		t.Fatal(err)
	}
	return v
}
