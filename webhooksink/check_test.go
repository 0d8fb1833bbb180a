package webhooksink

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sluice-sync/sluice/pipes"
)

// jsonValue decodes a JSON literal the way the config decoder hands
// values over: numbers as json.Number.
func jsonValue(t testing.TB, s string) any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return v
}

func conditionChecker(t testing.TB, cond string) *Checker {
	t.Helper()
	c, err := NewChecker(&CheckConfig{Condition: jsonValue(t, cond)})
	if err != nil {
		t.Fatalf("NewChecker(condition %s): %v", cond, err)
	}
	return c
}

func schemaChecker(t testing.TB, schema string) *Checker {
	t.Helper()
	c, err := NewChecker(&CheckConfig{Schema: jsonValue(t, schema).(map[string]any)})
	if err != nil {
		t.Fatalf("NewChecker(schema %s): %v", schema, err)
	}
	return c
}

type checkCase struct {
	name    string
	entity  string
	valid   bool
	reasons []string // nil: none expected
	err     string   // a substring of the error, when one is expected
}

func runCheckCases(t *testing.T, c *Checker, cases []checkCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			valid, reasons, err := c.Check([]byte(tc.entity))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Check(%s) err = %v, want one containing %q", tc.entity, err, tc.err)
				}
				if valid || reasons != nil {
					t.Errorf("Check(%s) with an error gave valid=%v reasons=%q", tc.entity, valid, reasons)
				}
				return
			}
			if err != nil {
				t.Fatalf("Check(%s): %v", tc.entity, err)
			}
			if valid != tc.valid || !slices.Equal(reasons, tc.reasons) {
				t.Errorf("Check(%s) = %v %q, want %v %q", tc.entity, valid, reasons, tc.valid, tc.reasons)
			}
		})
	}
}

func TestCheckCondition(t *testing.T) {
	c := conditionChecker(t, `["and", ["is-string", "_S._id"], ["gte", "_S.age", 0]]`)
	runCheckCases(t, c, []checkCase{
		{name: "valid", entity: `{"_id": "a", "age": 3}`, valid: true},
		{name: "zero", entity: `{"_id": "a", "age": 0}`, valid: true},
		{name: "false", entity: `{"_id": "a", "age": -1}`, reasons: []string{"condition is false"}},
		{name: "missing", entity: `{"age": 1}`, reasons: []string{"condition is false"}},
		{name: "not an object", entity: `[{"_id": "a"}]`, err: "must be a JSON object"},
		{name: "invalid JSON", entity: `{"_id": "a",`, err: "invalid JSON"},
		{name: "empty", entity: ``, err: "must be a JSON object"},
	})

	// Only exactly true is valid.
	path := conditionChecker(t, `"_S.ok"`)
	runCheckCases(t, path, []checkCase{
		{name: "true", entity: `{"ok": true}`, valid: true},
		{name: "false", entity: `{"ok": false}`, reasons: []string{"condition is false"}},
		{name: "null", entity: `{}`, reasons: []string{"condition is not true (got null)"}},
		{name: "list of true", entity: `{"ok": [true]}`, reasons: []string{"condition is not true (got list)"}},
		{name: "one", entity: `{"ok": 1}`, reasons: []string{"condition is not true (got number)"}},
		{name: "string", entity: `{"ok": "true"}`, reasons: []string{"condition is not true (got string)"}},
		// The entity is transit-decoded for DTL.
		{name: "datetime", entity: `{"ok": "~t2024-01-01T00:00:00Z"}`, reasons: []string{"condition is not true (got datetime)"}},
	})

	// Transit values compare as what they encode.
	dt := conditionChecker(t, `["gt", "_S.at", "~t2024-01-01T00:00:00Z"]`)
	runCheckCases(t, dt, []checkCase{
		{name: "later", entity: `{"at": "~t2024-06-01T00:00:00Z"}`, valid: true},
		{name: "earlier", entity: `{"at": "~t2023-06-01T00:00:00Z"}`, reasons: []string{"condition is false"}},
	})

	// A literal true or false is a legal, if dull, condition.
	runCheckCases(t, conditionChecker(t, `true`), []checkCase{{name: "true", entity: `{}`, valid: true}})

	// A runtime error is an error, not an invalid entity.
	tz := conditionChecker(t, `["eq", ["datetime-format", "_S.tz", "%Y", "~t2015-01-28T09:46:00Z"], "2015"]`)
	runCheckCases(t, tz, []checkCase{
		{name: "good zone", entity: `{"tz": "Europe/Oslo"}`, valid: true},
		{name: "bad zone", entity: `{"tz": "Nowhere/Bad"}`, err: `condition: unknown time zone "Nowhere/Bad"`},
	})
}

func TestCheckSchema(t *testing.T) {
	c := schemaChecker(t, `{
		"type": "object",
		"required": ["_id", "name"],
		"properties": {
			"_id": {"type": "string"},
			"name": {"type": "string", "minLength": 1},
			"age": {"type": "integer", "minimum": 0, "maximum": 100000},
			"score": {"exclusiveMaximum": 1.5, "multipleOf": 0.25},
			"tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
			"kind": {"enum": ["a", "b"]},
			"address": {"type": "object", "required": ["city"]},
			"updated": {"type": "string", "pattern": "^~t"},
			"a/b": {"type": "boolean"}
		}
	}`)
	runCheckCases(t, c, []checkCase{
		{name: "valid", entity: `{"_id": "1", "name": "x", "age": 3, "tags": ["a"], "kind": "a"}`, valid: true},
		{name: "extra properties are fine", entity: `{"_id": "1", "name": "x", "other": {"deep": [1]}}`, valid: true},
		{name: "integer-valued float is an integer", entity: `{"_id": "1", "name": "x", "age": 3.0}`, valid: true},
		// Transit strings are validated as the plain strings they are.
		{name: "transit string", entity: `{"_id": "1", "name": "x", "updated": "~t2024-01-01T00:00:00Z"}`, valid: true},
		{name: "not transit", entity: `{"_id": "1", "name": "x", "updated": "2024-01-01T00:00:00Z"}`,
			reasons: []string{`/updated: '2024-01-01T00:00:00Z' does not match pattern '^~t'`}},
		{name: "minimum", entity: `{"_id": "1", "name": "x", "age": -1}`, reasons: []string{"/age: must be >= 0, got -1"}},
		{name: "maximum without digit grouping", entity: `{"_id": "1", "name": "x", "age": 200000}`,
			reasons: []string{"/age: must be <= 100000, got 200000"}},
		{name: "decimals", entity: `{"_id": "1", "name": "x", "score": 1.6}`,
			reasons: []string{"/score: must be < 1.5, got 1.6", "/score: must be a multiple of 0.25, got 1.6"}},
		{name: "required at the root", entity: `{"_id": "1"}`, reasons: []string{"missing property 'name'"}},
		{name: "nested", entity: `{"_id": "1", "name": "", "tags": ["a", 2, "c"], "address": {}}`, reasons: []string{
			"/address: missing property 'city'",
			"/name: must be at least 1 characters long, got 0",
			"/tags: must have at most 2 items, got 3",
			"/tags/1: got number, want string",
		}},
		{name: "escaped pointer", entity: `{"_id": "1", "name": "x", "a/b": 1}`, reasons: []string{"/a~1b: got number, want boolean"}},
		{name: "enum and type", entity: `{"_id": 1, "name": "x", "kind": "c"}`, reasons: []string{
			"/_id: got number, want string",
			"/kind: value must be one of 'a', 'b'",
		}},
		{name: "long values are cut short", entity: `{"_id": "1", "name": "x", "updated": "` + strings.Repeat("é", 300) + `"}`,
			reasons: []string{`/updated: '` + strings.Repeat("é", 200-len(`/updated: '`)-1) + "…"}},
		{name: "not an object", entity: `"x"`, err: "must be a JSON object"},
		{name: "invalid JSON", entity: `{"_id": }`, err: "invalid JSON"},
		{name: "trailing data", entity: `{} {}`, err: "invalid JSON"},
	})
}

// Reasons come in the library's order, which for several properties of
// one object follows Go's map order: compare those as sets.
func TestCheckSchemaReasonsCapped(t *testing.T) {
	props := map[string]any{}
	var entity []string
	for i := range 15 {
		props[fmt.Sprintf("p%02d", i)] = map[string]any{"type": "string"}
		entity = append(entity, fmt.Sprintf(`"p%02d": %d`, i, i))
	}
	c, err := NewChecker(&CheckConfig{Schema: map[string]any{"properties": props}})
	if err != nil {
		t.Fatal(err)
	}
	valid, reasons, err := c.Check([]byte("{" + strings.Join(entity, ",") + "}"))
	if err != nil || valid {
		t.Fatalf("Check = %v %q %v, want invalid", valid, reasons, err)
	}
	if len(reasons) != maxReasons {
		t.Fatalf("got %d reasons, want %d: %q", len(reasons), maxReasons, reasons)
	}
	if last := reasons[maxReasons-1]; last != "and 6 more" {
		t.Errorf("last reason = %q, want %q", last, "and 6 more")
	}
	for _, r := range reasons[:maxReasons-1] {
		if !strings.HasSuffix(r, ": got number, want string") || !strings.HasPrefix(r, "/p") {
			t.Errorf("unexpected reason %q", r)
		}
	}

	// Array indexes sort as numbers.
	c = schemaChecker(t, `{"properties": {"x": {"items": {"type": "string"}}}}`)
	_, reasons, _ = c.Check([]byte(`{"x": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]}`))
	want := []string{"/x/0: got number, want string"}
	for i := 1; i < 9; i++ {
		want = append(want, fmt.Sprintf("/x/%d: got number, want string", i))
	}
	want = append(want, "and 3 more")
	if !slices.Equal(reasons, want) {
		t.Errorf("reasons = %q, want %q", reasons, want)
	}

	// Ten problems fit without a summary.
	c = schemaChecker(t, `{"required": ["a", "b"], "properties": {"x": {"type": "array", "items": {"type": "string"}}}}`)
	_, reasons, _ = c.Check([]byte(`{"x": [1, 2, 3, 4, 5, 6, 7, 8, 9]}`))
	if len(reasons) != 10 || reasons[0] != "missing properties 'a', 'b'" || reasons[9] != "/x/8: got number, want string" {
		t.Errorf("reasons = %q", reasons)
	}
}

// Numbers are compared exactly, beyond float64's precision.
func TestCheckSchemaExactNumbers(t *testing.T) {
	c := schemaChecker(t, `{"properties": {"n": {"maximum": 9007199254740993}, "d": {"minimum": 0.1}}}`)
	runCheckCases(t, c, []checkCase{
		{name: "equal", entity: `{"n": 9007199254740993}`, valid: true},
		{name: "one more", entity: `{"n": 9007199254740994}`,
			reasons: []string{"/n: must be <= 9007199254740993, got 9007199254740994"}},
		{name: "small decimal", entity: `{"d": 0.09999999999999999999}`,
			reasons: []string{"/d: must be >= 0.1, got 0.09999999999999999999"}},
		{name: "exponent", entity: `{"d": 1e-400}`, reasons: []string{"/d: must be >= 0.1, got 0"}},
	})
}

// "$schema" picks the draft; 2020-12 is the default.
func TestCheckSchemaDrafts(t *testing.T) {
	// Draft 4's boolean exclusiveMinimum is not a 2020-12 keyword value.
	d4 := `{"$schema": "http://json-schema.org/draft-04/schema#", "properties": {"n": {"minimum": 0, "exclusiveMinimum": true}}}`
	runCheckCases(t, schemaChecker(t, d4), []checkCase{
		{name: "above", entity: `{"n": 1}`, valid: true},
		{name: "at", entity: `{"n": 0}`, reasons: []string{"/n: must be > 0, got 0"}},
	})
	if _, err := NewChecker(&CheckConfig{Schema: jsonValue(t, strings.Replace(d4, `"$schema": "http://json-schema.org/draft-04/schema#", `, "", 1)).(map[string]any)}); err == nil {
		t.Error("a draft-4 schema without $schema compiled as 2020-12")
	}

	// 2020-12: prefixItems; "format" is an annotation only.
	runCheckCases(t, schemaChecker(t, `{"properties": {"p": {"prefixItems": [{"type": "integer"}]}, "e": {"format": "email"}}}`), []checkCase{
		{name: "prefix ok", entity: `{"p": [1, "x"], "e": "not an address"}`, valid: true},
		{name: "prefix bad", entity: `{"p": ["x"]}`, reasons: []string{"/p/0: got string, want integer"}},
	})

	// Additional properties are listed in order.
	closed := schemaChecker(t, `{"properties": {"a": {}}, "additionalProperties": false}`)
	for range 5 { // map order varies from run to run
		runCheckCases(t, closed, []checkCase{
			{name: "closed", entity: `{"z": 1, "a": 1, "m": 1, "b": 1}`, reasons: []string{"additional properties 'b', 'm', 'z' not allowed"}},
		})
	}

	// References into the schema itself work.
	runCheckCases(t, schemaChecker(t, `{"properties": {"a": {"$ref": "#/$defs/pos"}}, "$defs": {"pos": {"exclusiveMinimum": 0}}}`), []checkCase{
		{name: "ref ok", entity: `{"a": 1}`, valid: true},
		{name: "ref bad", entity: `{"a": 0}`, reasons: []string{"/a: must be > 0, got 0"}},
	})
}

// Go values in a hand-built config work as well as decoded JSON.
func TestCheckGoValues(t *testing.T) {
	c, err := NewChecker(&CheckConfig{Schema: map[string]any{
		"properties": map[string]any{"n": map[string]any{"type": "integer", "maximum": 10}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	runCheckCases(t, c, []checkCase{
		{name: "ok", entity: `{"n": 10}`, valid: true},
		{name: "bad", entity: `{"n": 11}`, reasons: []string{"/n: must be <= 10, got 11"}},
	})
	c, err = NewChecker(&CheckConfig{Condition: []any{"gt", "_S.n", 10}})
	if err != nil {
		t.Fatal(err)
	}
	runCheckCases(t, c, []checkCase{{name: "cond", entity: `{"n": 11}`, valid: true}})
}

func TestCheckConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   *CheckConfig
		field string // the FieldError's field, "" for an error about the whole check
		want  string
	}{
		{name: "both", cfg: &CheckConfig{Condition: true, Schema: map[string]any{}}, want: `either "condition" or "schema", not both`},
		{name: "none", cfg: &CheckConfig{}, want: `a check needs a "condition"`},
		{name: "nil", cfg: nil, want: "no check configured"},
		{name: "DTL unknown function", cfg: &CheckConfig{Condition: jsonValue(t, `["and", ["gt", "_S.a", 1], ["bogus", 1]]`)},
			field: "condition", want: `condition: at /2/0: unknown DTL function "bogus"`},
		{name: "DTL arity", cfg: &CheckConfig{Condition: jsonValue(t, `["eq", 1]`)},
			field: "condition", want: "condition: eq takes 2 arguments, got 1"},
		{name: "DTL empty list", cfg: &CheckConfig{Condition: []any{}}, field: "condition", want: "an empty list is not an expression"},
		{name: "DTL statement", cfg: &CheckConfig{Condition: jsonValue(t, `["add", "x", 1]`)}, field: "condition", want: "is a transform"},
		{name: "DTL apply", cfg: &CheckConfig{Condition: jsonValue(t, `["apply", "r", "_S"]`)}, field: "condition", want: "apply needs rules"},
		{name: "DTL hops", cfg: &CheckConfig{Condition: jsonValue(t, `["is-empty", ["hops", {"datasets": ["d d"], "where": ["eq", "_S._id", "d._id"]}]]`)},
			field: "condition", want: "at /1/0: hops cannot be used in a check"},
		{name: "schema type", cfg: &CheckConfig{Schema: jsonValue(t, `{"properties": {"a": {"minimum": "x"}}}`).(map[string]any)},
			field: "schema", want: "schema: properties: a: minimum: got string, want number"},
		{name: "schema in a list", cfg: &CheckConfig{Schema: jsonValue(t, `{"allOf": [{"type": 1}]}`).(map[string]any)},
			field: "schema", want: "schema: allOf: at /0/type: "},
		{name: "schema regexp", cfg: &CheckConfig{Schema: jsonValue(t, `{"pattern": "(("}`).(map[string]any)},
			field: "schema", want: "is not valid regex"},
		{name: "schema ref not found", cfg: &CheckConfig{Schema: jsonValue(t, `{"$ref": "#/$defs/nope"}`).(map[string]any)},
			field: "schema", want: `"schema#/$defs/nope" not found`},
		{name: "schema unknown draft", cfg: &CheckConfig{Schema: jsonValue(t, `{"$schema": "https://example.com/my-draft"}`).(map[string]any)},
			field: "schema", want: `cannot use "https://example.com/my-draft": a check schema must be self-contained`},
		{name: "schema remote ref", cfg: &CheckConfig{Schema: jsonValue(t, `{"$ref": "https://example.com/s.json"}`).(map[string]any)},
			field: "schema", want: `cannot use "https://example.com/s.json"`},
		{name: "schema relative ref", cfg: &CheckConfig{Schema: jsonValue(t, `{"$ref": "other.json"}`).(map[string]any)},
			field: "schema", want: `cannot use "other.json"`},
		{name: "schema file ref", cfg: &CheckConfig{Schema: jsonValue(t, `{"$ref": "file:///etc/passwd"}`).(map[string]any)},
			field: "schema", want: `cannot use "file:///etc/passwd"`},
		{name: "schema ref under $id", cfg: &CheckConfig{Schema: jsonValue(t, `{"$id": "http://example.com/a.json", "$ref": "b.json"}`).(map[string]any)},
			field: "schema", want: `cannot use "http://example.com/b.json"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if err == nil {
				t.Fatal("Validate() = nil")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate() = %v\nwant it to contain %q", err, tc.want)
			}
			var fe *pipes.FieldError
			switch {
			case tc.field == "" && errors.As(err, &fe):
				t.Errorf("error about the whole check blames %q", fe.Field)
			case tc.field != "" && (!errors.As(err, &fe) || fe.Field != tc.field):
				t.Errorf("Validate() = %#v, want a FieldError for %q", err, tc.field)
			}
			if c, nerr := NewChecker(tc.cfg); c != nil || nerr == nil || nerr.Error() != err.Error() {
				t.Errorf("NewChecker = %v, %v; want the Validate error", c, nerr)
			}
		})
	}
	for _, ok := range []*CheckConfig{
		{Condition: false},
		{Condition: "_S.ok"},
		{Schema: map[string]any{}},
		{Schema: jsonValue(t, `{"$schema": "http://json-schema.org/draft-07/schema#", "items": [{"type": "string"}]}`).(map[string]any)},
	} {
		if err := ok.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v", ok, err)
		}
	}
}

// The config decoder places each problem at its member, with file
// position and JSON pointer.
func TestCheckConfigDecode(t *testing.T) {
	type sink struct {
		Check *CheckConfig `json:"check"`
	}
	for _, tc := range []struct {
		name, config string
		want         []string // "pointer: message" of each error
	}{
		{name: "ok condition", config: `{"check": {"condition": ["gt", "_S.age", 0]}}`},
		{name: "ok schema", config: `{"check": {"schema": {"required": ["_id"]}}}`},
		{name: "both", config: `{"check": {"condition": true, "schema": {}}}`,
			want: []string{`/check: set either "condition" or "schema", not both`}},
		{name: "none", config: `{"check": {}}`,
			want: []string{`/check: a check needs a "condition" (a DTL expression) or a "schema" (a JSON Schema)`}},
		{name: "unknown key", config: `{"check": {"conditon": true}}`,
			want: []string{`/check/conditon: unknown property "conditon" (did you mean "condition"?)`}},
		{name: "DTL", config: `{"check": {"condition": ["or", ["nope"], ["eq", 1]]}}`, want: []string{
			`/check/condition: at /1/0: unknown DTL function "nope"`,
			`/check/condition: at /2: eq takes 2 arguments, got 1`,
		}},
		{name: "schema", config: `{"check": {"schema": {"properties": {"age": {"minimum": "0", "type": "int"}}}}}`, want: []string{
			`/check/schema/properties/age/minimum: got string, want number`,
			`/check/schema/properties/age/type: value must be one of 'array', 'boolean', 'integer', 'null', 'number', 'object', 'string'`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := pipes.Parse("sink.json", []byte(tc.config))
			if err != nil {
				t.Fatal(err)
			}
			var s sink
			errs := pipes.Decode(n, &s)
			var got []string
			for _, e := range errs {
				if e.Pos.File != "sink.json" || e.Pos.Line != 1 || e.Pos.Col < 2 {
					t.Errorf("error without a position: %v", e)
				}
				got = append(got, e.Pointer+": "+e.Msg)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			slices.Sort(got)
			for i, w := range tc.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("error %d = %q, want prefix %q", i, got[i], w)
				}
			}
			if len(tc.want) == 0 && (s.Check == nil || s.Check.Validate() != nil) {
				t.Errorf("decoded %+v", s.Check)
			}
		})
	}
}

func TestCheckConcurrent(t *testing.T) {
	checkers := []*Checker{
		conditionChecker(t, `["and", ["is-string", "_S._id"], ["gte", "_S.age", 0]]`),
		schemaChecker(t, `{"required": ["_id"], "properties": {"_id": {"type": "string"}, "age": {"type": "integer", "minimum": 0}}}`),
	}
	entity := func(i int) ([]byte, bool) {
		switch i % 3 {
		case 0:
			return fmt.Appendf(nil, `{"_id": "e%d", "age": %d}`, i, i), true
		case 1:
			return fmt.Appendf(nil, `{"_id": "e%d", "age": -%d}`, i, i), false
		}
		return fmt.Appendf(nil, `{"age": %d}`, i), false
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				e, want := entity(g*1000 + i)
				for k, c := range checkers {
					valid, reasons, err := c.Check(e)
					if err != nil || valid != want || valid != (len(reasons) == 0) {
						errs <- fmt.Errorf("checker %d on %s: %v %q %v, want valid=%v", k, e, valid, reasons, err, want)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func FuzzCheck(f *testing.F) {
	for _, s := range []string{
		`{"_id": "a", "age": 3, "tags": ["x"]}`,
		`{"_id": "a", "age": -1.5e3, "tags": [1, null]}`,
		`{"_id": "~:ns:a", "at": "~t2024-01-01T00:00:00Z", "n": "~f1.25", "b": "~bAAE="}`,
		`{"age": 9007199254740993, "nested": {"a": [{"b": {}}]}}`,
		`{"_id": "a", "_id": "b"}`,
		`[1, 2]`,
		`"x"`,
		`{"_id": "\ud800"}`,
		`{"a": 1} x`,
		`{`,
		``,
	} {
		f.Add([]byte(s))
	}
	checkers := []*Checker{
		conditionChecker(f, `["and", ["is-string", "_S._id"], ["gte", "_S.age", 0], ["all", ["is-string", "_S.tags"]]]`),
		conditionChecker(f, `["gt", "_S.at", "~t2000-01-01T00:00:00Z"]`),
		schemaChecker(f, `{
			"type": "object", "required": ["_id"],
			"properties": {
				"_id": {"type": "string", "pattern": "^[a-z~]"},
				"age": {"type": "integer", "minimum": 0, "multipleOf": 0.5},
				"tags": {"type": "array", "items": {"type": "string", "maxLength": 3}, "uniqueItems": true},
				"nested": {"$ref": "#"}
			},
			"additionalProperties": {"type": ["string", "number", "object"]}
		}`),
	}
	f.Fuzz(func(t *testing.T, e []byte) {
		for k, c := range checkers {
			valid, reasons, err := c.Check(e)
			switch {
			case err != nil:
				if valid || reasons != nil {
					t.Fatalf("checker %d: an error with valid=%v reasons=%q", k, valid, reasons)
				}
			case !json.Valid(e):
				t.Fatalf("checker %d: invalid JSON %q gave no error", k, e)
			case valid && len(reasons) > 0:
				t.Fatalf("checker %d: valid with reasons %q", k, reasons)
			case !valid && (len(reasons) == 0 || len(reasons) > maxReasons):
				t.Fatalf("checker %d: invalid with %d reasons %q", k, len(reasons), reasons)
			}
			for _, r := range reasons {
				if r == "" {
					t.Fatalf("checker %d: an empty reason in %q", k, reasons)
				}
			}
		}
	})
}
