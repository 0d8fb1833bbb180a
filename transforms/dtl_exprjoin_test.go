package transforms_test

import (
	"testing"

	"github.com/sluice-sync/sluice/internal/testkit"
)

// TestHopsOnExpressionAgainstStore: a join whose side on the joined
// dataset is an expression is served from the store's changes: the
// results follow later writes, deletions included, and the dataset may
// not exist yet when the pipe is built.
func TestHopsOnExpressionAgainstStore(t *testing.T) {
	st := testkit.OpenStore(t)
	tr := mustBuild(t, st, `{"type": "dtl", "rules": {"default": [["copy", "_id"],
	  ["add", "origin", ["hops", {"datasets": ["share st"], "where": ["eq", "_S.id", ["last", "st.$generated_id"]], "return": "st.$origin"}]],
	  ["add", "people", ["hops", {"datasets": ["people p"], "where": ["or", ["eq", "_S.name", ["upper", "p.name"]], ["eq", "_S._id", "p.ref"]], "return": "p._id"}]]]}}`)
	mustRun(t, tr, []string{`{"_id": "a", "origin": [], "people": []}`}, `{"_id": "a", "id": "g1", "name": "ANN"}`)

	write(t, st, "share",
		`{"_id": "s1", "$generated_id": ["g0", "g1"], "$origin": "crm:1"}`,
		`{"_id": "s2", "$generated_id": "g2", "$origin": "crm:2"}`)
	write(t, st, "people", `{"_id": "p1", "name": "Ann"}`, `{"_id": "p2", "name": "Bob", "ref": "a"}`)
	mustRun(t, tr, []string{
		`{"_id": "a", "origin": ["crm:1"], "people": ["p1", "p2"]}`,
		`{"_id": "b", "origin": [], "people": []}`,
	}, `{"_id": "a", "id": "g1", "name": "ANN"}`, `{"_id": "b", "id": "g0", "name": "ann"}`)

	write(t, st, "share",
		`{"_id": "s1", "$generated_id": ["g1", "g0"], "$origin": "crm:1"}`,
		`{"_id": "s2", "$generated_id": "g2", "$origin": "crm:2", "_deleted": true}`)
	write(t, st, "people", `{"_id": "p1", "name": "Anne"}`)
	mustRun(t, tr, []string{
		`{"_id": "a", "origin": [], "people": ["p2"]}`,
		`{"_id": "b", "origin": ["crm:1"], "people": []}`,
		`{"_id": "c", "origin": [], "people": ["p1"]}`,
	}, `{"_id": "a", "id": "g2", "name": "ANN"}`, `{"_id": "b", "id": "g0"}`, `{"_id": "c", "name": "ANNE"}`)
}
