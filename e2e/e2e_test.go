package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/internal/testkit"
)

// people returns n entities p0…p(n-1).
func people(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = obj{"_id": fmt.Sprintf("p%d", i), "name": fmt.Sprintf("person %d", i), "age": 20 + i}
	}
	return out
}

// writePipes writes the pipes "people" (embedded → dataset "people") and
// "people-out" (dataset "people" → dataset "people-out").
func writePipes(t *testing.T, cfg string, ents []any) {
	t.Helper()
	writeJSON(t, filepath.Join(cfg, "people.json"), obj{
		"_id": "people", "type": "pipe",
		"source": obj{"type": "embedded", "entities": ents},
	})
	writeJSON(t, filepath.Join(cfg, "downstream.json"), obj{
		"_id": "people-out", "type": "pipe",
		"source": obj{"type": "dataset", "dataset": "people"},
		"sink":   obj{"type": "dataset", "dataset": "people-out"},
	})
}

func TestAcceptanceEmbeddedToDataset(t *testing.T) {
	cfg, data := t.TempDir(), filepath.Join(t.TempDir(), "data")
	const n = 5
	ents := people(n)
	writePipes(t, cfg, ents)
	if r := mustSluice(t, "validate", "--config", cfg); r.stdout != cfg+": 2 pipes, 0 systems: ok\n" {
		t.Fatalf("validate: %v", r)
	}

	// First run: n new versions, offsets 0…n-1, no previous versions.
	s := pump(t, cfg, data, "people")
	s.counts(t, n, n, 0)
	if !s.Full || string(s.Offset) != "null" {
		t.Errorf("embedded without supports_since: want full run and null offset, got %+v", s)
	}
	if info := datasets(t, data)["people"]; info.Versions != n || info.Entities != n || info.Deleted != 0 {
		t.Fatalf("dataset list after first run: %+v", info)
	}
	es := entities(t, data, "people")
	if len(es) != n {
		t.Fatalf("want %d entities, got %d", n, len(es))
	}
	for i, e := range es {
		if e.id() != fmt.Sprintf("p%d", i) || e.num("_updated") != int64(i) || e["_previous"] != nil ||
			e.deleted() || e["name"] != fmt.Sprintf("person %d", i) || e.num("age") != int64(20+i) ||
			len(fmt.Sprint(e["_hash"])) != 32 || e.num("_ts") <= 0 {
			t.Errorf("entity %d: %v", i, e)
		}
	}
	if es := entities(t, data, "people", "--since", "2"); len(es) != 2 || es[0].num("_updated") != 3 {
		t.Errorf("--since 2: %v", es)
	}
	if es := entities(t, data, "people", "--limit", "2"); len(es) != 2 || es[1].id() != "p1" {
		t.Errorf("--limit 2: %v", es)
	}

	// An identical rerun writes nothing.
	pump(t, cfg, data, "people").counts(t, n, 0, 0)

	// The downstream pipe reads everything on its first run.
	s = pump(t, cfg, data, "people-out")
	s.counts(t, n, n, 0)
	if string(s.Offset) != fmt.Sprint(n-1) {
		t.Errorf("downstream offset: want %d, got %s", n-1, s.Offset)
	}
	pump(t, cfg, data, "people-out").counts(t, 0, 0, 0)

	// Change one entity: exactly one new version pointing at the old one.
	ents[2].(obj)["name"] = "renamed"
	writePipes(t, cfg, ents)
	pump(t, cfg, data, "people").counts(t, n, 1, 0)
	hist := entities(t, data, "people", "--history")
	if len(hist) != n+1 {
		t.Fatalf("--history: want %d versions, got %d", n+1, len(hist))
	}
	for i, e := range hist {
		if e.num("_updated") != int64(i) {
			t.Errorf("--history not in offset order: %v", hist)
		}
	}
	if last := hist[n]; last.id() != "p2" || last["name"] != "renamed" || last.num("_previous") != 2 {
		t.Errorf("new version: %v", last)
	}
	if old := hist[2]; old.id() != "p2" || old["name"] != "person 2" {
		t.Errorf("history lost the old version: %v", old)
	}
	latest := byID(t, entities(t, data, "people"))
	if len(latest) != n || latest["p2"].num("_updated") != n {
		t.Errorf("latest view after change: %v", latest)
	}

	// The downstream pipe reads exactly the one new upstream version.
	pump(t, cfg, data, "people-out").counts(t, 1, 1, 0)
	out := entities(t, data, "people-out", "--history")
	if len(out) != n+1 || out[n].id() != "p2" || out[n]["name"] != "renamed" || out[n].num("_previous") != 2 {
		t.Errorf("people-out after upstream change: %v", out)
	}

	// Remove p4: the full run marks it deleted (a new version, so it counts
	// as written too).
	writePipes(t, cfg, ents[:n-1])
	pump(t, cfg, data, "people").counts(t, n-1, 1, 1)
	latest = byID(t, entities(t, data, "people"))
	if p4 := latest["p4"]; !p4.deleted() || p4.num("_previous") != 4 || p4.num("_updated") != n+1 || p4["name"] != "person 4" {
		t.Errorf("p4 after removal: %v", p4)
	}
	if live := entities(t, data, "people", "--deleted=false"); len(live) != n-1 {
		t.Errorf("--deleted=false: want %d, got %v", n-1, live)
	}
	if info := datasets(t, data)["people"]; info.Versions != n+2 || info.Entities != n || info.Deleted != 1 {
		t.Errorf("dataset list after deletion: %+v", info)
	}
	pump(t, cfg, data, "people").counts(t, n-1, 0, 0)

	// The deletion flows downstream as one new version.
	pump(t, cfg, data, "people-out").counts(t, 1, 1, 1)
	if p4 := byID(t, entities(t, data, "people-out"))["p4"]; !p4.deleted() {
		t.Errorf("people-out p4 not deleted: %v", p4)
	}
}

func TestAcceptanceSupportsSince(t *testing.T) {
	cfg, data := t.TempDir(), filepath.Join(t.TempDir(), "data")
	ents := people(4)
	for i, e := range ents {
		e.(obj)["_updated"] = i + 1
	}
	write := func(ents []any) {
		writeJSON(t, filepath.Join(cfg, "inc.json"), obj{
			"_id": "inc", "type": "pipe",
			"source": obj{"type": "embedded", "supports_since": true, "entities": ents},
		})
	}
	write(ents)
	s := pump(t, cfg, data, "inc")
	s.counts(t, 4, 4, 0)
	if !s.Full || string(s.Offset) != "4" {
		t.Errorf("first run: want full, offset 4, got %+v", s)
	}
	if s = pump(t, cfg, data, "inc"); s.Full || string(s.Offset) != "4" {
		t.Errorf("rerun: want incremental, offset 4, got %+v", s)
	}
	s.counts(t, 0, 0, 0)

	ents[1].(obj)["name"], ents[1].(obj)["_updated"] = "changed", 5
	write(ents)
	s = pump(t, cfg, data, "inc")
	s.counts(t, 1, 1, 0)
	if string(s.Offset) != "5" {
		t.Errorf("offset after change: %s", s.Offset)
	}
	if p1 := byID(t, entities(t, data, "inc"))["p1"]; p1["name"] != "changed" || p1.num("_updated") != 4 || p1.num("_previous") != 1 {
		t.Errorf("p1 after change: %v", p1)
	}

	// Removing p2 is invisible to an incremental run; --full deletes it.
	write(append(ents[:2:2], ents[3]))
	pump(t, cfg, data, "inc").counts(t, 0, 0, 0)
	if p2 := byID(t, entities(t, data, "inc"))["p2"]; p2.deleted() {
		t.Fatalf("an incremental run deleted p2: %v", p2)
	}
	if s = pump(t, cfg, data, "inc", "--full"); !s.Full {
		t.Errorf("--full run not full: %+v", s)
	}
	s.counts(t, 3, 1, 1)
	if p2 := byID(t, entities(t, data, "inc"))["p2"]; !p2.deleted() {
		t.Errorf("--full did not delete p2: %v", p2)
	}
}

func TestExampleHello(t *testing.T) {
	cfg, data := filepath.Join(repoRoot, "examples", "hello"), filepath.Join(t.TempDir(), "data")
	if r := mustSluice(t, "validate", "--config", cfg); r.stdout != cfg+": 2 pipes, 0 systems: ok\n" {
		t.Fatalf("validate: %v", r)
	}
	pump(t, cfg, data, "crm-customers").counts(t, 3, 3, 0)
	pump(t, cfg, data, "customers-for-mailing").counts(t, 3, 3, 0)
	got := byID(t, entities(t, data, "mailing-list"))
	for id, want := range map[string][2]string{
		"ada": {"Dear Ada,", "United Kingdom"}, "grace": {"Dear Grace,", "United States"}, "linus": {"Dear Linus,", "FI"},
	} {
		e, ok := got[id]
		if !ok || e.deleted() || e["email"] != id+"@example.com" || e["greeting"] != want[0] || e["country"] != want[1] {
			t.Errorf("mailing-list %s: %v", id, e)
		}
	}
	if len(got) != 3 || datasets(t, data)["mailing-list"].Entities != 3 {
		t.Errorf("mailing-list: want 3 entities, got %v", got)
	}
	helloRemoveGrace(t, cfg, data)
}

// helloRemoveGrace walks the README's "Remove a customer": a copy of the
// config without Grace's line deletes her in crm-customers, and the DTL
// pipe carries the deletion into mailing-list, on incremental and full runs.
func helloRemoveGrace(t *testing.T, cfg, data string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(cfg, "customers.json"))
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if !strings.Contains(line, `"_id": "grace"`) { // grep -v '"_id": "grace"'
			kept = append(kept, line)
		}
	}
	without := t.TempDir()
	testkit.WriteFile(t, filepath.Join(without, "customers.json"), strings.Join(kept, ""))

	pump(t, without, data, "crm-customers").counts(t, 2, 1, 1)
	pump(t, without, data, "customers-for-mailing").counts(t, 1, 1, 1)
	check := func(when string) {
		t.Helper()
		got := byID(t, entities(t, data, "mailing-list"))
		if g := got["grace"]; !g.deleted() || g["greeting"] != "Dear Grace," {
			t.Errorf("%s: grace in mailing-list: want deleted with her last content, got %v", when, g)
		}
		if got["ada"].deleted() || got["linus"].deleted() || len(got) != 3 {
			t.Errorf("%s: mailing-list: want ada and linus live, got %v", when, got)
		}
	}
	check("after the incremental run")
	pump(t, without, data, "customers-for-mailing", "--full").counts(t, 3, 0, 0)
	check("after a full run")

	// With the example's own list she comes back downstream too.
	pump(t, cfg, data, "crm-customers").counts(t, 3, 1, 0)
	pump(t, cfg, data, "customers-for-mailing").counts(t, 1, 1, 0)
	if g := byID(t, entities(t, data, "mailing-list"))["grace"]; g.deleted() {
		t.Errorf("grace back in crm-customers but still deleted in mailing-list: %v", g)
	}
}

func TestValidateSeedStrayBrace(t *testing.T) {
	dir, _ := filepath.Abs("testdata/seed004")
	r := sluice(t, "validate", "--config", dir)
	want := filepath.Join(dir, "registerwebhook.json") + ":23:1: /source/entities: invalid character '}' after array element"
	if r.code != 1 || !strings.Contains(r.stderr, want) || !strings.HasSuffix(r.stderr, "\n1 problem in "+dir+"\n") || r.stdout != "" {
		t.Fatalf("want exit 1 and %q, got %v", want, r)
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	dir, _ := filepath.Abs("testdata/multi")
	r := sluice(t, "validate", "--config", dir)
	// Each problem: its exact place, and the gist of its message.
	want := [][2]string{
		{"a.json:2:21: /source/type: ", `unknown source type "nope"`},
		{"b.json:2:46: /0/batch_size: ", "at least 1"},
		{"b.json:4:11: /1/_id: ", `duplicate _id "a" (first defined at ` + dir + `/a.json:1:9)`},
		{"c.json:5:1: ", "not closed"},
		{"d.json:2:67: /source/if_source_empty: ", `"maybe"`},
		{"d.json:3:65: /sink/unknown_key: ", `unknown property "unknown_key"`},
		{"e.json:2:68: /source/entities/1/_id: ", `"_id" is a non-empty string`},
	}
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	if r.code != 1 || r.stdout != "" || len(lines) != len(want)+1 {
		t.Fatalf("want exit 1 and %d problems, got %v", len(want), r)
	}
	for i, w := range want {
		if rest, ok := strings.CutPrefix(lines[i], dir+"/"+w[0]); !ok || !strings.Contains(rest, w[1]) {
			t.Errorf("problem %d:\nwant %s/%s…%s…\ngot  %s", i+1, dir, w[0], w[1], lines[i])
		}
	}
	if last := lines[len(want)]; last != fmt.Sprintf("%d problems in %s", len(want), dir) {
		t.Errorf("last line: %q", last)
	}
	// The same folder refuses to pump.
	if r := sluice(t, "pump", "e", "--config", dir, "--data", t.TempDir()); r.code != 1 || r.stdout != "" {
		t.Errorf("pump with a bad config: %v", r)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"validate", "--bogus"},
		{"pump"},
		{"pump", "a", "b"},
		{"dataset", "entities"},
		{"frobnicate"},
	} {
		if r := sluice(t, args...); r.code != 2 || !strings.HasPrefix(r.stderr, "sluice: ") {
			t.Errorf("want exit 2, got %v", r)
		}
	}
}

func TestFlagsAnywhere(t *testing.T) {
	cfg, data := t.TempDir(), filepath.Join(t.TempDir(), "data")
	writePipes(t, cfg, people(3))
	parseSummary(t, mustSluice(t, "pump", "--data", data, "--config", cfg, "people")).counts(t, 3, 3, 0)
	for _, args := range [][]string{
		{"dataset", "--data", data, "entities", "people"},
		{"dataset", "entities", "--data", data, "people"},
		{"dataset", "entities", "people", "--data", data},
	} {
		if es := parseNDJSON(t, mustSluice(t, args...).stdout); len(es) != 3 {
			t.Errorf("%v: want 3 entities, got %v", args, es)
		}
	}
	if r := sluice(t, "dataset", "entities", "nope", "--data", data); r.code != 1 || !strings.Contains(r.stderr, `no dataset "nope"`) {
		t.Errorf("unknown dataset: %v", r)
	}
}

func TestPumpErrors(t *testing.T) {
	cfg, data := t.TempDir(), filepath.Join(t.TempDir(), "data")
	writePipes(t, cfg, people(2))
	writeJSON(t, filepath.Join(cfg, "strict.json"), obj{
		"_id": "strict", "type": "pipe",
		"source": obj{"type": "dataset", "dataset": "missing", "if_source_empty": "fail"},
	})

	r := sluice(t, "pump", "nope", "--config", cfg, "--data", data)
	if r.code != 1 || r.stdout != "" || r.stderr != "sluice: no pipe \"nope\" (pipes: people, people-out, strict)\n" {
		t.Errorf("unknown pipe: %v", r)
	}

	// A dataset source whose dataset does not exist yet reads nothing.
	s := pump(t, cfg, data, "people-out")
	s.counts(t, 0, 0, 0)
	if string(s.Offset) != "null" {
		t.Errorf("offset: want null, got %s", s.Offset)
	}
	// …and once it exists, the next run reads all of it.
	pump(t, cfg, data, "people")
	pump(t, cfg, data, "people-out").counts(t, 2, 2, 0)

	// A failing run still prints its summary, and exits 1.
	r = sluice(t, "pump", "strict", "--config", cfg, "--data", data)
	s = parseSummary(t, r)
	if r.code != 1 || s.Status != "failed" || !strings.Contains(s.Error, `"missing" does not exist`) ||
		r.stderr != "sluice: "+s.Error+"\n" {
		t.Errorf("failing pipe: %v", r)
	}
}
