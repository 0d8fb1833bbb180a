package sources_test

import (
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/internal/testkit"
)

const mergeByEmailAndNI = `{"type": "merge", "version": 2, "identity": "first",
	"datasets": ["crm c", "hr h", "erp e"],
	"equality": [["eq", "c.email", "h.email"]],
	"equality_sets": [["h.ni", "e.national_id"]]}`

func TestMergeThreeDatasetsByEmailAndNationalID(t *testing.T) {
	st := testkit.OpenStore(t)
	write(t, st, "crm", `{"_id": "c1", "email": "a@x.no", "name": "Ann"}`, `{"_id": "c2", "email": "b@x.no"}`)
	write(t, st, "hr", `{"_id": "h1", "email": ["a@x.no", "ann@y.no"], "ni": "111"}`, `{"_id": "h2", "email": null, "ni": "222"}`)
	write(t, st, "erp", `{"_id": "e1", "national_id": "111", "name": "Anne"}`, `{"_id": "e2", "national_id": "333"}`)
	eng := newEngine(t, st, mergeByEmailAndNI)
	run(t, eng)
	// c1 = h1 by email, h1 = e1 by national id: one entity (transitively);
	// the others stand alone. Values several entities have become lists.
	want := `c1={"$ids":["~:c1","~:h1","~:e1"],"email":["a@x.no","a@x.no","ann@y.no"],"name":["Ann","Anne"],"national_id":"111","ni":"111"} ` +
		`c2={"$ids":["~:c2"],"email":"b@x.no"} e2={"$ids":["~:e2"],"national_id":"333"} h2={"$ids":["~:h2"],"email":null,"ni":"222"}`
	if got := contents(t, st, "out"); got != want {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}

	// Changing c1's email splits the merged entity: h1 and e1 stay
	// together, under h1 (the first by dataset); c1 keeps its own id.
	write(t, st, "crm", `{"_id": "c1", "email": "new@x.no", "name": "Ann"}`)
	run(t, eng)
	want = `c1={"$ids":["~:c1"],"email":"new@x.no","name":"Ann"} c2={"$ids":["~:c2"],"email":"b@x.no"} e2={"$ids":["~:e2"],"national_id":"333"} ` +
		`h1={"$ids":["~:h1","~:e1"],"email":["a@x.no","ann@y.no"],"name":"Anne","national_id":"111","ni":"111"} h2={"$ids":["~:h2"],"email":null,"ni":"222"}`
	if got := contents(t, st, "out"); got != want {
		t.Fatalf("after the email change:\n got %s\nwant %s", got, want)
	}

	// Deleting h1 leaves e1 alone; the merged id h1 is deleted.
	write(t, st, "hr", `{"_id": "h1", "_deleted": true}`)
	run(t, eng)
	want = `c1={"$ids":["~:c1"],"email":"new@x.no","name":"Ann"} c2={"$ids":["~:c2"],"email":"b@x.no"} e1={"$ids":["~:e1"],"name":"Anne","national_id":"111"} ` +
		`e2={"$ids":["~:e2"],"national_id":"333"} h1(deleted) h2={"$ids":["~:h2"],"email":null,"ni":"222"}`
	if got := contents(t, st, "out"); got != want {
		t.Fatalf("after the deletion:\n got %s\nwant %s", got, want)
	}
}

func TestMergeStrategiesAndIdentity(t *testing.T) {
	for _, tc := range []struct{ extra, want string }{
		{``, `0|1|1|2|2|3={"$ids":["~:1","~:2","~:3"],"k":["v","v","v"],"x":1,"y":[2,1,2],"z":[3,3]}`},
		{`, "strategy": "compact"`, `0|1|1|2|2|3={"$ids":["~:1","~:2","~:3"],"k":"v","x":1,"y":[2,1],"z":3}`},
		{`, "strategy": "list", "identity": "first"`, `1={"$ids":["~:1","~:2","~:3"],"$merged":[{"k":"v","x":1},{"k":"v","y":[2,1]},{"k":"v","y":2,"z":[3,3]}]}`},
	} {
		st := testkit.OpenStore(t)
		write(t, st, "a", `{"_id": "1", "k": "v", "x": 1}`)
		write(t, st, "b", `{"_id": "2", "k": "v", "y": [2, 1]}`)
		write(t, st, "c", `{"_id": "3", "k": "v", "y": 2, "z": [3, 3]}`)
		run(t, newEngine(t, st, `{"type": "merge", "version": 2, "datasets": ["a a", "b b", "c c"], "equality_sets": [["a.k", "b.k", "c.k"]]`+tc.extra+`}`))
		if got := contents(t, st, "out"); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.extra, got, tc.want)
		}
	}
}

func TestMergeMaxMerged(t *testing.T) {
	st := testkit.OpenStore(t)
	write(t, st, "a", `{"_id": "1", "k": "v"}`, `{"_id": "2", "k": "v"}`)
	write(t, st, "b", `{"_id": "3", "k": "v"}`)
	eng := newEngine(t, st, `{"type": "merge", "version": 2, "datasets": ["a a", "b b"], "equality": [["eq", "a.k", "b.k"]], "max_merged": 2}`)
	if _, err := eng.Run(t.Context(), "p", engine.RunOptions{}); err == nil || !strings.Contains(err.Error(), "max_merged") {
		t.Fatalf("got %v", err)
	}
}

func TestMergeConfigErrors(t *testing.T) {
	for src, want := range map[string]string{
		`{"type": "merge", "datasets": ["a x", "b x"]}`:                              `/source/datasets/1: alias "x" is used twice`,
		`{"type": "merge", "datasets": ["a x y"]}`:                                   `/source/datasets/0: expected "dataset alias", got "a x y"`,
		`{"type": "merge", "datasets": ["a x"], "equality": [["eq", "x.k", "z.k"]]}`: `/source/equality: rule 0 names alias "z", which is not in datasets`,
		`{"type": "merge", "datasets": ["a x"], "equality": [["eq", "x.k"]]}`:        `/source/equality: expected an equality rule`,
		`{"type": "merge", "datasets": ["a x"], "equality": [["is", "x.k", "x.j"]]}`: `/source/equality/0: an equality rule starts with "eq"`,
		`{"type": "merge", "datasets": ["a x"], "equality": [["eq", "x.k", "xk"]]}`:  `/source/equality/0/2: expected "alias.property", got "xk"`,
		`{"type": "merge", "datasets": ["a x"], "equality_sets": [["x.k", "y.k"]]}`:  `/source/equality_sets: set 0 names alias "y", which is not in datasets`,
		`{"type": "merge", "datasets": ["a x"], "identity": "last"}`:                 `identity must be`,
		`{"type": "merge", "datasets": ["a x"], "max_merged": 0}`:                    `/source/max_merged: max_merged must be at least 1`,
	} {
		_, err := loadConfig(t, `{"_id": "p", "type": "pipe", "source": `+src+`}`)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s:\n got %v\nwant %s", src, err, want)
		}
	}
}

// Values are compared as hops joins compare them: a string matches however
// it is escaped, 1 matches 1.0; an entity without $ids stands for "~:<_id>".
func TestMergeComparesValues(t *testing.T) {
	st := testkit.OpenStore(t)
	write(t, st, "a", `{"_id": "1", "k": "a\u0040x.no"}`, `{"_id": "2", "k": 1}`, `{"_id": "6", "k": {"o": 1}}`)
	write(t, st, "b", `{"_id": "3", "k": "a@x.no"}`, `{"_id": "4", "k": 1.0}`, `{"_id": "7", "k": {"o": 1}}`, `{"_id": "5", "ref": "~:2"}`)
	run(t, newEngine(t, st, `{"type": "merge", "version": 2, "identity": "first", "datasets": ["a a", "b b"], "equality": [["eq", "a.k", "b.k"], ["eq", "a.$ids", "b.ref"]]}`))
	want := `1={"$ids":["~:1","~:3"],"k":["a@x.no","a@x.no"]} 2={"$ids":["~:2","~:4","~:5"],"k":[1,1],"ref":"~:2"} 6={"$ids":["~:6"],"k":{"o":1}} 7={"$ids":["~:7"],"k":{"o":1}}`
	if got := contents(t, st, "out"); got != want {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
}

func TestMergePopulatedAndMissingDatasets(t *testing.T) {
	st := testkit.OpenStore(t)
	write(t, st, "a", `{"_id": "1"}`)
	populated := func(source string) bool {
		t.Helper()
		return buildSource(t, st, source).(component.PopulatedSource).Populated()
	}
	if populated(`{"type": "merge", "datasets": ["a a"]}`) {
		t.Error("populated before its dataset")
	}
	if err := st.SetPopulated("a"); err != nil {
		t.Fatal(err)
	}
	if !populated(`{"type": "merge", "datasets": ["a a", "nowhere n"], "initial_datasets": ["a", "nowhere"]}`) ||
		populated(`{"type": "merge", "datasets": ["a a", "nowhere n"], "initial_datasets": ["a", "nowhere"], "ignore_non_existent_datasets": false}`) {
		t.Error("ignore_non_existent_datasets not followed")
	}
	// A dataset that does not exist yet merges as an empty one.
	run(t, newEngine(t, st, `{"type": "merge", "datasets": ["a a", "nowhere n"], "equality": [["eq", "a._id", "n._id"]]}`))
	if got, want := contents(t, st, "out"), `0|1={"$ids":["~:1"]}`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
