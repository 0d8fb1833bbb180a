package transforms

import (
	"slices"
	"testing"

	"github.com/sluice-sync/sluice/pipes"
)

// The messages are Python's jsonschema's, in the order it gives them: the
// table was made with jsonschema 4.26 (Draft202012Validator.iter_errors).
func TestJSONSchemaMessages(t *testing.T) {
	for _, c := range []struct {
		schema, instance string
		want             []string
	}{
		{`{"type": "object", "properties": {"name": {"type": "string"}, "born": {"type": "string"}}, "required": ["name", "born"]}`, `{"_id": "3", "name": "Jim"}`, []string{"'born' is a required property"}},
		{`{"required": ["a", "b", "c"], "properties": {"x": {"type": "integer"}}}`, `{"b": 1, "x": 1.5}`, []string{"'a' is a required property", "'c' is a required property", "1.5 is not of type 'integer'"}},
		{`{"properties": {"x": {"type": ["string", "null"]}, "y": {"type": "string"}, "z": {"type": "string"}, "w": {"type": "string"}}}`, `{"x": true, "y": null, "z": {"a": [1, 2.0, "q'"]}, "w": 1e+100}`, []string{"True is not of type 'string', 'null'", "None is not of type 'string'", "{'a': [1, 2.0, \"q'\"]} is not of type 'string'", "1e+100 is not of type 'string'"}},
		{`{"properties": {"a": {"enum": ["x", 1, null]}, "b": {"const": "k"}, "c": {"minimum": 5}, "d": {"maximum": 2.5}, "e": {"exclusiveMinimum": 3}, "f": {"exclusiveMaximum": 3}, "g": {"multipleOf": 2}}}`, `{"a": "y", "b": "j", "c": 4, "d": 3, "e": 3, "f": 3, "g": 7}`, []string{"'y' is not one of ['x', 1, None]", "'k' was expected", "4 is less than the minimum of 5", "3 is greater than the maximum of 2.5", "3 is less than or equal to the minimum of 3", "3 is greater than or equal to the maximum of 3", "7 is not a multiple of 2"}},
		{`{"properties": {"s": {"minLength": 3, "maxLength": 1, "pattern": "^x"}, "l": {"minItems": 3, "maxItems": 1, "uniqueItems": true}, "o": {"minProperties": 3, "maxProperties": 1}}}`, `{"s": "ab", "l": [1, 1], "o": {"p": 1, "q": 2}}`, []string{"'ab' is too short", "'ab' is too long", "'ab' does not match '^x'", "[1, 1] is too short", "[1, 1] is too long", "[1, 1] has non-unique elements", "{'p': 1, 'q': 2} does not have enough properties", "{'p': 1, 'q': 2} has too many properties"}},
		{`{"properties": {"a": {}}, "additionalProperties": false}`, `{"z": 1, "a": 2, "b": 3}`, []string{"Additional properties are not allowed ('b', 'z' were unexpected)"}},
		{`{"patternProperties": {"^x": {}, "^a": {}}, "additionalProperties": false}`, `{"z": 1, "b": 3}`, []string{"'b', 'z' do not match any of the regexes: '^a', '^x'"}},
		{`{"anyOf": [{"type": "string"}, {"type": "boolean"}], "oneOf": [{"type": "number"}, {"type": "integer"}], "not": {"type": "integer"}}`, `3`, []string{"3 is not valid under any of the given schemas", "3 is valid under each of {'type': 'integer'}, {'type': 'number'}", "3 should not be valid under {'type': 'integer'}"}},
		{`{"allOf": [{"required": ["a"]}, {"properties": {"b": {"type": "string"}}}], "$defs": {"n": {"type": "number"}}, "properties": {"c": {"$ref": "#/$defs/n"}}}`, `{"b": 1, "c": "x"}`, []string{"'a' is a required property", "1 is not of type 'string'", "'x' is not of type 'number'"}},
		{`{"items": {"type": "string"}, "contains": {"type": "boolean"}}`, `[1, "a"]`, []string{"1 is not of type 'string'", "[1, 'a'] does not contain items matching the given schema"}},
		{`{"propertyNames": {"pattern": "^[a-z]+$", "maxLength": 3}}`, `{"ABCD": 1, "ok": 2}`, []string{"'ABCD' does not match '^[a-z]+$'", "'ABCD' is too long"}},
		{`{"dependentRequired": {"a": ["b", "c"]}}`, `{"a": 1}`, []string{"'b' is a dependency of 'a'", "'c' is a dependency of 'a'"}},
		{`{"properties": {"a": false}}`, `{"a": 0.0001}`, []string{"False schema does not allow 0.0001"}},
		{`{"properties": {"n": {"type": "string"}}}`, `{"n": 1e+16}`, []string{"1e+16 is not of type 'string'"}},
		{`{"properties": {"n": {"type": "string"}}}`, `{"n": 123456789012345.5}`, []string{"123456789012345.5 is not of type 'string'"}},
		{`{"properties": {"n": {"type": "integer"}}}`, `{"n": "tab\there é \u0001   \"x\""}`, []string{"'tab\\there é \\x01 \\xa0 \"x\"' is not of type 'integer'"}},
		{`{"properties": {"n": {"type": "integer"}}}`, `{"n": "it's"}`, []string{"\"it's\" is not of type 'integer'"}},
		{`{"properties": {"n": {"type": "integer"}}}`, `{"n": "it's \"q\""}`, []string{"'it\\'s \"q\"' is not of type 'integer'"}},
		{`{"properties": {"n": {"minimum": 1.5}}}`, `{"n": -0.5}`, []string{"-0.5 is less than the minimum of 1.5"}},
		{`{"type": "object", "required": ["x"], "if": {"required": ["a"]}, "then": {"required": ["b"]}, "else": {"required": ["c"]}}`, `{"a": 1}`, []string{"'x' is a required property", "'b' is a required property"}},
		{`{"properties": {"c": {"$ref": "#/$defs/n"}, "d": {"type": "string"}}, "$defs": {"n": {"type": "number"}}}`, `{"c": "x", "d": 1}`, []string{"'x' is not of type 'number'", "1 is not of type 'string'"}},
		{`{"$schema": "http://json-schema.org/draft-07/schema#", "dependencies": {"a": ["b"]}}`, `{"a": 1}`, []string{"'b' is a dependency of 'a'"}},
		{`{"$schema": "http://json-schema.org/draft-04/schema#", "minimum": 3, "exclusiveMinimum": true}`, `3`, []string{"3 is less than or equal to the minimum of 3"}},
		{`{"$schema": "https://json-schema.org/draft/2019-09/schema", "items": [{}], "additionalItems": false}`, `[1, 2, 3]`, []string{"Additional items are not allowed (2, 3 were unexpected)"}},
		{`{"$schema": "http://json-schema.org/draft-07/schema#", "items": [{}], "additionalItems": false}`, `[1, "x"]`, []string{"Additional items are not allowed ('x' was unexpected)"}},
		{`{"properties": {"e": {"enum": [1.5, 2, "a\"b", true, {"k": [null]}]}}}`, `{"e": 0}`, []string{"0 is not one of [1.5, 2, 'a\"b', True, {'k': [None]}]"}},
		{`{"multipleOf": 0.5}`, `0.7`, []string{"0.7 is not a multiple of 0.5"}},
		{`{"minimum": 1e+20}`, `5`, []string{"5 is less than the minimum of 1e+20"}},
	} {
		n, err := pipes.Parse("schema", []byte(c.schema))
		if err != nil {
			t.Fatal(err)
		}
		s, errs := compileSchema(n)
		if errs.HasErrors() {
			t.Fatalf("%s: %v", c.schema, errs)
		}
		got, err := s.validate([]byte(c.instance))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("schema %s, instance %s:\n got %q\nwant %q", c.schema, c.instance, got, c.want)
		}
	}
}
