package transforms_test

import "testing"

// A deleted source entity makes a deleted target, as in Sesam: rules that
// only shape the entity do not bring a removed customer back to life
// downstream.
func TestDTLDeletedSourceDeletesTarget(t *testing.T) {
	tr := mustBuild(t, nil, `{"type": "dtl", "rules": {"default": [
	  ["copy", ["list", "_id", "name"]],
	  ["add", "greeting", ["concat", "Dear ", "_S.name"]]]}}`)
	mustRun(t, tr, []string{
		`{"_id": "a", "name": "Ada", "greeting": "Dear Ada", "_deleted": true}`,
		`{"_id": "b", "name": "Bob", "greeting": "Dear Bob"}`,
		`{"_id": "c", "name": "Cy", "greeting": "Dear Cy"}`,
		`{"_id": "d", "name": "Di", "greeting": "Dear Di"}`,
	},
		`{"_id": "a", "name": "Ada", "_deleted": true}`,
		`{"_id": "b", "name": "Bob", "_deleted": false}`,
		`{"_id": "c", "name": "Cy"}`,
		// Only true deletes, as everywhere else.
		`{"_id": "d", "name": "Di", "_deleted": "yes"}`)
}

// Rules that set _deleted themselves decide; copy brings the source's.
func TestDTLRulesDecideDeleted(t *testing.T) {
	undelete := mustBuild(t, nil, `{"type": "dtl", "rules": {"default": [
	  ["copy", "_id"], ["add", "_deleted", false]]}}`)
	mustRun(t, undelete, []string{`{"_id": "a", "_deleted": false}`}, `{"_id": "a", "_deleted": true}`)

	deleteAll := mustBuild(t, nil, `{"type": "dtl", "rules": {"default": [
	  ["copy", "_id"], ["add", "_deleted", true]]}}`)
	mustRun(t, deleteAll, []string{`{"_id": "a", "_deleted": true}`}, `{"_id": "a", "_deleted": false}`)

	copyAll := mustBuild(t, nil, `{"type": "dtl", "rules": {"default": [["copy", "*"]]}}`)
	mustRun(t, copyAll, []string{`{"_id": "a", "x": 1, "_deleted": true}`}, `{"_id": "a", "x": 1, "_deleted": true}`)
}

// Only the target inherits the deletion: entities from create are what the
// rules make them, and a filtered target stays a filtered one (the sink
// deletes it, or drops it when it never held it).
func TestDTLDeletedSourceLeavesCreatedAndFiltered(t *testing.T) {
	tr := mustBuild(t, nil, `{"type": "dtl", "rules": {"default": [
	  ["copy", "_id"],
	  ["create", ["dict", "_id", ["concat", "_S._id", "-child"]]],
	  ["filter", ["eq", "_S.keep", true]]]}}`)
	mustRun(t, tr, []string{
		`{"_id": "a", "_deleted": true}`, `{"_id": "a-child"}`,
		`{"_id": "b", "_filtered": true}`, `{"_id": "b-child"}`,
	},
		`{"_id": "a", "keep": true, "_deleted": true}`,
		`{"_id": "b", "keep": false, "_deleted": true}`)
}

// An entity trigger_on leaves alone passes through as it came, deleted or not.
func TestDTLDeletedUntriggeredPassesThrough(t *testing.T) {
	tr := mustBuild(t, nil, `{"type": "dtl", "trigger_on": {"key": "kind", "value": "x"},
	  "rules": {"default": [["copy", "_id"], ["add", "seen", true]]}}`)
	mustRun(t, tr, []string{
		`{"_id": "a", "kind": "y", "_deleted": true}`,
		`{"_id": "b", "seen": true, "_deleted": true}`,
	},
		`{"_id": "a", "kind": "y", "_deleted": true}`,
		`{"_id": "b", "kind": "x", "_deleted": true}`)
}
