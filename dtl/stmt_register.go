package dtl

import "github.com/sluice-sync/sluice/pipes"

func init() {
	for _, s := range []*Statement{
		{Name: "add", Args: "PROPERTY(string{1}), VALUES(value-expression{1})",
			Doc:     "Sets PROPERTY on the target to VALUES. PROPERTY may be an expression that yields the name(s).",
			Compile: compileAdd(false, false),
			Examples: []StatementExample{
				{Rules: `{"default": [["add", "age", 26]]}`, Source: `{}`, Want: `[{"age": 26}]`},
				{Rules: `{"default": [["add", ["concat", "x-", "_S.key"], "_S.value"]]}`, Source: `{"key": "a", "value": 1}`, Want: `[{"x-a": 1}]`},
			}},
		{Name: "add-if", Args: "PROPERTY(string{1}), CONDITION(boolean-expression{0|1}), VALUES(value-expression{1})",
			Doc:     "Like add, but only when CONDITION (evaluated with _ bound to the value) is true; without CONDITION, only when the value is not null.",
			Compile: compileAdd(false, true),
			Examples: []StatementExample{
				{Rules: `{"default": [["add-if", "foo", null], ["add-if", "bar", ["list"]]]}`, Source: `{}`, Want: `[{"bar": []}]`},
				{Rules: `{"default": [["add-if", "foo", ["gte", "_.", 18], 123], ["add-if", "bar", ["gte", "_.", 18], 12]]}`, Source: `{}`, Want: `[{"foo": 123}]`},
			}},
		{Name: "default", Args: "PROPERTY(string{1}), VALUES(value-expression{1})",
			Doc:     "Like add, but leaves a property the target already has alone.",
			Compile: compileAdd(true, false),
			Examples: []StatementExample{
				{Rules: `{"default": [["add", "a", 1], ["default", "a", 2], ["default", "b", 3]]}`, Source: `{}`, Want: `[{"a": 1, "b": 3}]`},
			}},
		{Name: "copy", Args: "INCLUDE_PROPERTIES(wildcard-string-list{1}), EXCLUDE_PROPERTIES(wildcard-string-list{0|1})",
			Doc:     "Copies source properties matching the include patterns and none of the exclude patterns (* and ? wildcards; * matches _- and $-prefixed names too).",
			Compile: compileCopy,
			Examples: []StatementExample{
				{Rules: `{"default": [["copy", "a*", "ab*"]]}`, Source: `{"a": 1, "ab": 2, "abc": 3, "b": 4}`, Want: `[{"a": 1}]`},
				{Rules: `{"default": [["copy", "*", ["list", "_*", "$*"]]]}`, Source: `{"_id": "x", "$c": 1, "n": 2}`, Want: `[{"n": 2}]`},
			}},
		{Name: "remove", Args: "PROPERTY(wildcard-string{1})",
			Doc:     "Removes target properties whose full name matches the pattern.",
			Compile: compileRemove,
			Examples: []StatementExample{
				{Rules: `{"default": [["copy", "*"], ["remove", "temp_*"]]}`, Source: `{"_id": "1", "temp_a": 1, "b": 2}`, Want: `[{"_id": "1", "b": 2}]`},
			}},
		{Name: "rename", Args: "PROPERTY1(string{1}), PROPERTY2(string{1})",
			Doc:     "Copies source property PROPERTY1 to target property PROPERTY2. No wildcards.",
			Compile: compileRename,
			Examples: []StatementExample{
				{Rules: `{"default": [["rename", "age", "current_age"]]}`, Source: `{"age": 3}`, Want: `[{"current_age": 3}]`},
			}},
		{Name: "merge", Args: "VALUES(value-expression{1})",
			Doc:     "Copies the members of each dict in VALUES onto the target; later dicts win; members starting with _ are skipped.",
			Compile: compileMerge(false),
			Examples: []StatementExample{
				{Rules: `{"default": [["merge", ["list", {"a": 1}, {"a": 2, "b": 3, "_x": 4}]]]}`, Source: `{}`, Want: `[{"a": 2, "b": 3}]`},
			}},
		{Name: "merge-union", Args: "VALUES(value-expression{1})",
			Doc:     "Like merge, but a property the target already has collects the values into a list.",
			Compile: compileMerge(true),
			Examples: []StatementExample{
				{Rules: `{"default": [["merge-union", ["list", {"a": 1}, {"a": 2, "b": 3}]]]}`, Source: `{}`, Want: `[{"a": [1, 2], "b": 3}]`},
			}},
		{Name: "make-ni", Args: "NAMESPACE(string{1}), FROM_PROPERTY(string{1}), TO_PROPERTY(string{0|1})",
			Doc:     "Adds the string values of source FROM_PROPERTY as namespaced identifiers in NAMESPACE, to TO_PROPERTY (default FROM_PROPERTY-ni).",
			Compile: compileMakeNI,
			Examples: []StatementExample{
				{Rules: `{"default": [["make-ni", "soccer", "referee", "ref"]]}`, Source: `{"referee": "john.doe"}`, Want: `[{"ref": "~:soccer:john.doe"}]`},
				{Rules: `{"default": [["make-ni", "hockey", "players"]]}`, Source: `{"players": ["a", 1, "b"]}`, Want: `[{"players-ni": ["~:hockey:a", "~:hockey:b"]}]`},
			}},
		{Name: "create", Args: "VALUES(value-expression{1})",
			Doc:     "Emits each dict in VALUES as an extra entity; each needs an _id.",
			Compile: compileCreate(false),
			Examples: []StatementExample{
				{Rules: `{"default": [["add", "_id", "_S._id"], ["create", "_S.orders"]]}`, Source: `{"_id": "c", "orders": [{"_id": "o1"}, {"_id": "o2"}]}`, Want: `[{"_id": "c"}, {"_id": "o1"}, {"_id": "o2"}]`},
			}},
		{Name: "create-child", Args: "VALUES(value-expression{1})",
			Doc:     "Adds each dict in VALUES (each with an _id) to the target's $children, for the emit_children transform.",
			Compile: compileCreate(true),
			Examples: []StatementExample{
				{Rules: `{"default": [["add", "_id", "_S._id"], ["create-child", "_S.orders"]]}`, Source: `{"_id": "c", "orders": [{"_id": "o1"}]}`, Want: `[{"_id": "c", "$children": [{"_id": "o1"}]}]`},
			}},
		{Name: "filter", Args: "UNLESS_CONDITION(boolean-expression{0|1})",
			Doc:     "Stops the rule unless the condition is true. The target is emitted with _filtered: true, so a dataset sink deletes it; without a condition it always filters.",
			Compile: compileStop(errFiltered),
			Examples: []StatementExample{
				{Rules: `{"default": [["copy", "*"], ["filter", ["gt", "_S.age", 42]], ["add", "old", true]]}`, Source: `{"_id": "a", "age": 50}`, Want: `[{"_id": "a", "age": 50, "old": true}]`},
				{Rules: `{"default": [["copy", "*"], ["filter", ["gt", "_S.age", 42]], ["add", "old", true]]}`, Source: `{"_id": "a", "age": 5}`, Want: `[{"_id": "a", "age": 5, "_filtered": true}]`},
			}},
		{Name: "discard", Args: "UNLESS_CONDITION(boolean-expression{0|1})",
			Doc:     "Stops the rule unless the condition is true, and drops the target (nothing is emitted or deleted).",
			Compile: compileStop(errDiscarded),
			Examples: []StatementExample{
				{Rules: `{"default": [["copy", "*"], ["discard", ["eq", "_S.type", "person"]]]}`, Source: `{"_id": "a", "type": "cat"}`, Want: `[]`},
			}},
		{Name: "if", Args: "CONDITION(boolean-expression{1}), THEN(transforms{1}), ELSE(transforms{0|1})",
			Doc:     "Runs THEN when CONDITION is true, else ELSE. THEN and ELSE are one transform or a list of them.",
			Compile: compileIf,
			Examples: []StatementExample{
				{Rules: `{"default": [["if", ["gt", "_S.age", 18], [["add", "type", "adult"], ["add", "is_adult", true]], ["add", "type", "child"]]]}`, Source: `{"age": 20}`, Want: `[{"type": "adult", "is_adult": true}]`},
			}},
		{Name: "case", Args: "(VALUE(value-expression{1}), THEN(transforms{1}))+, ELSE(transforms{0|1})",
			Doc:     "Runs the THEN of the first true VALUE, else ELSE.",
			Compile: compileCase(false),
			Examples: []StatementExample{
				{Rules: `{"default": [["case", ["gte", "_S.age", 18], ["add", "group", "adult"], ["gte", "_S.age", 13], ["add", "group", "teenager"], ["add", "group", "unknown"]]]}`, Source: `{"age": 14}`, Want: `[{"group": "teenager"}]`},
			}},
		{Name: "case-eq", Args: "VALUE(value-expression{1}), (VALUE_N(value-expression{1}), THEN(transforms{1}))+, ELSE(transforms{0|1})",
			Doc:     "Runs the THEN of the first VALUE_N equal to VALUE, else ELSE.",
			Compile: compileCase(true),
			Examples: []StatementExample{
				{Rules: `{"default": [["case-eq", "_S.country", "NO", ["add", "country", "Norway"], "SE", ["add", "country", "Sweden"], ["add", "country", "Other"]]]}`, Source: `{"country": "SE"}`, Want: `[{"country": "Sweden"}]`},
			}},
		{Name: "comment", Args: "COMMENTS(value-expression{>=0})",
			Doc:     "Does nothing; its arguments are never evaluated.",
			Compile: func(*Compiler, *pipes.Node, []*pipes.Node) (Action, error) { return noAction{}, nil },
			Examples: []StatementExample{
				{Rules: `{"default": [["comment", "not evaluated", ["no-such-function"]], ["add", "a", 1]]}`, Source: `{}`, Want: `[{"a": 1}]`},
			}},
		{Name: "fail!", Args: "MESSAGE(value-expression{0|1})",
			Doc:     "Fails the entity with MESSAGE; the pipe run fails and names the pipe, rule and entity.",
			Compile: compileFail(false),
			Examples: []StatementExample{
				{Rules: `{"default": [["if", ["is-null", "_S.email"], ["fail!", ["concat", "no email for ", "_S._id"]]]]}`, Source: `{"_id": "a"}`, WantError: "rule default: no email for a"},
			}},
		{Name: "trip!", Args: "MESSAGE(value-expression{0|1})",
			Doc:     "Stops the pipe run at once with MESSAGE, like a tripped circuit breaker.",
			Compile: compileFail(true),
			Examples: []StatementExample{
				{Rules: `{"default": [["trip!", "bad batch"]]}`, Source: `{"_id": "a"}`, WantError: "tripped: bad batch"},
			}},
		{Name: "sleep!", Args: "SECONDS(value-expression{1})",
			Doc:     "Pauses for SECONDS (at most one minute), e.g. to respect a rate limit.",
			Compile: compileSleep,
			Examples: []StatementExample{
				{Rules: `{"default": [["sleep!", 0], ["add", "a", 1]]}`, Source: `{}`, Want: `[{"a": 1}]`},
			}},
	} {
		RegisterStatement(s)
	}
}
