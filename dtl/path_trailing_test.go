package dtl

import "testing"

// A trailing dot after steps means the value they reach, as after a
// variable: "_R._S." is the root's whole source entity, "_S.kid." the kid.
func TestPathTrailingDot(t *testing.T) {
	rules := `{"default": [
		["copy", "_id"],
		["add", "kid", "_S.kid."],
		["add", "kids", ["apply", "kid", "_S.kids"]]
	], "kid": [
		["add", "root", "_R._S."],
		["add", "parent", "_P._S."]
	]}`
	src := `{"_id": "a", "kid": {"x": 1}, "kids": [{"y": 2}]}`
	want := `{"_id": "a", "kid": {"x": 1}, "kids": [{"root": {"_id": "a", "kid": {"x": 1}, "kids": [{"y": 2}]}, "parent": {"_id": "a", "kid": {"x": 1}, "kids": [{"y": 2}]}}]}`
	got, err := runRules(t, rules, src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if w := mustDecode(t, "want", want); len(got) != 1 || !sameValue(got[0], w) {
		t.Errorf("got %s\nwant %s", EncodeJSON(got), want)
	}
}
