package sources_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/sluice-sync/sluice/builtin"
	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
)

// failOn is set to an _id that makes the "fail_on" test transform fail
// the batch holding it ("" lets everything through).
var failOn atomic.Value

type failOnConfig struct{}

var failOnSpec = component.Typed(component.KindTransform, "fail_on", "test",
	func() *failOnConfig { return &failOnConfig{} },
	func(*failOnConfig, component.Env) (component.Transform, error) { return failOnTransform{}, nil })

type failOnTransform struct{}

func (failOnTransform) Transform(_ context.Context, in []entity.Entity) ([]entity.Entity, error) {
	bad, _ := failOn.Load().(string)
	for _, e := range in {
		if id, _ := entity.ID(e); id == bad && bad != "" {
			return nil, fmt.Errorf("refusing %s", id)
		}
	}
	return in, nil
}

func registry() *component.Registry {
	r := component.NewRegistry()
	r.MustRegister(append(builtin.Specs(), failOnSpec)...)
	return r
}

// loadConfig loads one config file's text.
func loadConfig(t *testing.T, config string) (*pipes.Config, error) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "p.json"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	return pipes.Load(dir, pipes.Options{Types: registry()})
}

// newEngine builds the engine for one pipe "p" with the given source,
// writing the dataset "out" (through the fail_on transform).
func newEngine(t *testing.T, st *store.Store, source string, extra ...string) *engine.Engine {
	t.Helper()
	return newEngineLog(t, st, slog.New(slog.DiscardHandler), source, extra...)
}

// newEngineLog is newEngine logging to log.
func newEngineLog(t *testing.T, st *store.Store, log *slog.Logger, source string, extra ...string) *engine.Engine {
	t.Helper()
	pipe := fmt.Sprintf(`{"_id": "p", "type": "pipe", "source": %s, "transform": {"type": "fail_on"}, "sink": {"type": "dataset", "dataset": "out"}%s}`,
		source, strings.Join(append([]string{""}, extra...), ", "))
	cfg, err := loadConfig(t, pipe)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(context.Background(), cfg, st, registry(), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close(context.Background()) })
	return eng
}

func write(t *testing.T, st *store.Store, dataset string, docs ...string) {
	t.Helper()
	es := make([]entity.Entity, len(docs))
	for i, d := range docs {
		es[i] = entity.Entity(d)
	}
	if _, err := st.Write(dataset, es, store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
}

// contents lists a dataset's latest versions as "id=value" (the entity
// without its reserved properties) or "id(deleted)", sorted by _id.
func contents(t *testing.T, st *store.Store, dataset string) string {
	t.Helper()
	var out []string
	err := st.Scan(dataset, store.ReadOptions{}, func(_ uint64, e []byte) error {
		id, _ := entity.ID(e)
		if entity.Deleted(e) {
			out = append(out, id+"(deleted)")
			return nil
		}
		out = append(out, id+"="+strip(e))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

// strip writes an entity without its _ properties, keys sorted, nested
// entities too.
func strip(e []byte) string {
	var m map[string]any
	if err := json.Unmarshal(e, &m); err != nil {
		return "!" + err.Error()
	}
	var clean func(map[string]any)
	clean = func(m map[string]any) {
		for k, v := range m {
			if strings.HasPrefix(k, "_") {
				delete(m, k)
			} else if sub, ok := v.(map[string]any); ok {
				clean(sub)
			}
		}
	}
	clean(m)
	b, _ := json.Marshal(m)
	return string(b)
}

func run(t *testing.T, eng *engine.Engine) engine.Summary {
	t.Helper()
	sum, err := eng.Run(context.Background(), "p", engine.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func state(t *testing.T, eng *engine.Engine) store.PipeState {
	t.Helper()
	st, err := eng.PipeState("p")
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestUnionDatasetsReadsIncrementally(t *testing.T) {
	st := testkit.OpenStore(t)
	write(t, st, "men", `{"_id": "dave", "age": 40}`)
	write(t, st, "women", `{"_id": "claire", "age": 35}`, `{"_id": "dave", "age": 1}`)
	eng := newEngine(t, st, `{"type": "union_datasets", "datasets": ["men", "women"]}`)

	sum := run(t, eng)
	if !sum.Full || sum.Read != 3 {
		t.Fatalf("first run: %+v", sum)
	}
	if got, want := contents(t, st, "out"), `men:dave={"age":40} women:claire={"age":35} women:dave={"age":1}`; got != want {
		t.Fatalf("after the first run:\n got %s\nwant %s", got, want)
	}
	if got := state(t, eng).LastSeen; got != `{"men":0,"women":1}` {
		t.Fatalf("stored offset %s", got)
	}

	// Changes, a new entity and a deletion: only they are read.
	write(t, st, "men", `{"_id": "dave", "age": 41}`, `{"_id": "bob", "age": 50}`)
	write(t, st, "women", `{"_id": "claire", "_deleted": true}`)
	sum = run(t, eng)
	if sum.Full || sum.Read != 3 || sum.Deleted != 1 {
		t.Fatalf("second run: %+v", sum)
	}
	if got, want := contents(t, st, "out"), `men:bob={"age":50} men:dave={"age":41} women:claire(deleted) women:dave={"age":1}`; got != want {
		t.Fatalf("after the second run:\n got %s\nwant %s", got, want)
	}
	if got := state(t, eng).LastSeen; got != `{"men":2,"women":2}` {
		t.Fatalf("stored offset %s", got)
	}
	if sum = run(t, eng); sum.Read != 0 || sum.Written != 0 {
		t.Fatalf("a run with nothing new: %+v", sum)
	}

	// A dataset added to the config is read from its start, the others
	// from where they were.
	write(t, st, "kids", `{"_id": "tim"}`)
	write(t, st, "men", `{"_id": "ole"}`)
	eng2 := newEngine(t, st, `{"type": "union_datasets", "datasets": ["men", "women", "kids"]}`)
	if sum = run(t, eng2); sum.Read != 2 {
		t.Fatalf("after adding a dataset: %+v", sum)
	}
	if got := state(t, eng2).LastSeen; got != `{"men":3,"women":2,"kids":0}` {
		t.Fatalf("stored offset %s", got)
	}
}

func TestUnionDatasetsOptions(t *testing.T) {
	st := testkit.OpenStore(t)
	write(t, st, "a", `{"_id": "x", "v": 1}`)
	write(t, st, "a", `{"_id": "x", "v": 2}`)
	write(t, st, "b", `{"_id": "x", "v": 3}`)
	read := func(source string) []string {
		t.Helper()
		src := buildSource(t, st, source)
		var got []string
		err := src.Read(context.Background(), component.ReadRequest{BatchSize: 1}, func(b component.Batch) error {
			for _, e := range b.Entities {
				got = append(got, gjson.GetBytes(e, "_id").Str+"="+gjson.GetBytes(e, "v").Raw+"@"+b.Since)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got, want := read(`{"type": "union_datasets", "datasets": ["a", "b"]}`), []string{`a:x=2@{"a":1}`, `b:x=3@{"a":1,"b":0}`}; !slices.Equal(got, want) {
		t.Errorf("latest: %q, want %q", got, want)
	}
	if got, want := read(`{"type": "union_datasets", "datasets": ["b", "a"], "include_previous_versions": true, "prefix_ids": false}`),
		[]string{`x=3@{"b":0}`, `x=1@{"b":0,"a":0}`, `x=2@{"b":0,"a":1}`}; !slices.Equal(got, want) {
		t.Errorf("history, unprefixed: %q, want %q", got, want)
	}
	// A name that needs escaping in JSON is escaped in the _id and the
	// offset alike; the _id need not come first.
	write(t, st, `q"uote`, `{"v": 4, "_id": "y"}`)
	if got, want := read(`{"type": "union_datasets", "datasets": ["q\"uote"]}`), []string{`q"uote:y=4@{"q\"uote":0}`}; !slices.Equal(got, want) {
		t.Errorf("escaped: %q, want %q", got, want)
	}
}

// buildSource builds pipe p's source on st.
func buildSource(t *testing.T, st *store.Store, source string) component.Source {
	t.Helper()
	p, err := newEngine(t, st, source).Pipe("p")
	if err != nil {
		t.Fatal(err)
	}
	return p.Source
}

// A run that fails mid-way has committed its good batches and nothing
// after them; the next run resumes there and finishes the same full run,
// so nothing read before the failure is deleted.
func TestUnionDatasetsResumesAfterAFailedBatch(t *testing.T) {
	for _, typ := range []string{"union_datasets", "merge_datasets"} {
		t.Run(typ, func(t *testing.T) {
			st := testkit.OpenStore(t)
			for _, id := range []string{"a1", "a2", "a3"} {
				write(t, st, "a", `{"_id": "`+id+`"}`)
			}
			for _, id := range []string{"b1", "b2", "b3"} {
				write(t, st, "b", `{"_id": "`+id+`"}`)
			}
			source := `{"type": "union_datasets", "datasets": ["a", "b"], "prefix_ids": false}`
			if typ == "merge_datasets" {
				source = `{"type": "merge_datasets", "datasets": ["a", "b"]}`
			}
			eng := newEngine(t, st, source, `"batch_size": 2`)
			failOn.Store("b2")
			defer failOn.Store("")
			sum, err := eng.Run(context.Background(), "p", engine.RunOptions{})
			if err == nil || !strings.Contains(err.Error(), "refusing b2") {
				t.Fatalf("run: %v", err)
			}
			if sum.Read != 6 || sum.Written != 4 {
				t.Fatalf("failed run: %+v", sum)
			}
			if got := contents(t, st, "out"); got != "a1={} a2={} a3={} b1={}" {
				t.Fatalf("after the failed run: %s", got)
			}
			ps := state(t, eng)
			if ps.LastSeen != `{"a":2,"b":0}` || ps.FullRun == 0 {
				t.Fatalf("state after the failed run: %+v", ps)
			}

			failOn.Store("")
			sum = run(t, eng)
			if !sum.Full || sum.Read != 2 || sum.Written != 2 || sum.Deleted != 0 {
				t.Fatalf("resumed run: %+v", sum)
			}
			if got := contents(t, st, "out"); got != "a1={} a2={} a3={} b1={} b2={} b3={}" {
				t.Fatalf("after the resumed run: %s", got)
			}
			if ps := state(t, eng); ps.LastSeen != `{"a":2,"b":2}` || ps.FullRun != 0 {
				t.Fatalf("state after the resumed run: %+v", ps)
			}
		})
	}
}

func TestMergeDatasetsLatest(t *testing.T) {
	st := testkit.OpenStore(t)
	write(t, st, "all", `{"_id": "1", "v": "all"}`, `{"_id": "2", "v": "all"}`)
	write(t, st, "event", `{"_id": "1", "v": "event"}`)
	eng := newEngine(t, st, `{"type": "merge_datasets", "datasets": ["all", "event"]}`)
	sum := run(t, eng)
	if got, want := contents(t, st, "out"), `1={"v":"event"} 2={"v":"all"}`; got != want {
		t.Fatalf("first run:\n got %s\nwant %s", got, want)
	}
	// 1 in "all" came before 1 in "event" in the same run: it is passed
	// on once, when its newest version is read.
	if sum.Read != 2 {
		t.Fatalf("first run: %+v", sum)
	}

	// The newest version wins wherever it is; a deletion is a change.
	write(t, st, "all", `{"_id": "1", "v": "all again"}`)
	write(t, st, "event", `{"_id": "2", "_deleted": true}`)
	sum = run(t, eng)
	if got, want := contents(t, st, "out"), `1={"v":"all again"} 2(deleted)`; got != want {
		t.Fatalf("second run:\n got %s\nwant %s", got, want)
	}
	if sum.Full || sum.Read != 2 {
		t.Fatalf("second run: %+v", sum)
	}
	if got := state(t, eng).LastSeen; got != `{"all":2,"event":1}` {
		t.Fatalf("stored offset %s", got)
	}
	if sum = run(t, eng); sum.Read != 0 {
		t.Fatalf("a run with nothing new: %+v", sum)
	}
}

func TestMergeDatasetsAll(t *testing.T) {
	st := testkit.OpenStore(t)
	write(t, st, "crm", `{"_id": "1", "name": "Ada"}`, `{"_id": "2", "name": "Bob"}`)
	write(t, st, "erp", `{"_id": "1", "no": 7}`, `{"_id": "3", "no": 9}`)
	eng := newEngine(t, st, `{"type": "merge_datasets", "datasets": ["crm", "erp"], "strategy": "all"}`)
	run(t, eng)
	want := `1={"crm":{"name":"Ada"},"erp":{"no":7}} 2={"crm":{"name":"Bob"}} 3={"erp":{"no":9}}`
	if got := contents(t, st, "out"); got != want {
		t.Fatalf("first run:\n got %s\nwant %s", got, want)
	}
	// The nested versions are the datasets' own, reserved properties and all.
	e, _, _ := st.Get("out", "1")
	if gjson.GetBytes(e, "crm._id").Str != "1" || !gjson.GetBytes(e, "erp._ts").Exists() {
		t.Fatalf("merged entity %s", e)
	}

	// A deletion in one dataset leaves the others; in all of them, the
	// entity goes.
	write(t, st, "erp", `{"_id": "1", "_deleted": true}`, `{"_id": "3", "_deleted": true}`)
	sum := run(t, eng)
	want = `1={"crm":{"name":"Ada"}} 2={"crm":{"name":"Bob"}} 3(deleted)`
	if got := contents(t, st, "out"); got != want {
		t.Fatalf("second run:\n got %s\nwant %s", got, want)
	}
	if sum.Read != 2 || sum.Deleted != 1 {
		t.Fatalf("second run: %+v", sum)
	}
}

func TestMultiDatasetPopulated(t *testing.T) {
	st := testkit.OpenStore(t)
	write(t, st, "a", `{"_id": "1"}`)
	write(t, st, "b", `{"_id": "1"}`)
	populated := func(source string) bool {
		t.Helper()
		return buildSource(t, st, source).(component.PopulatedSource).Populated()
	}
	for _, typ := range []string{"union_datasets", "merge_datasets"} {
		if populated(`{"type": "` + typ + `", "datasets": ["a", "b"]}`) {
			t.Errorf("%s: populated before its datasets", typ)
		}
		if err := st.SetPopulated("a"); err != nil {
			t.Fatal(err)
		}
		if populated(`{"type": "`+typ+`", "datasets": ["a", "b"]}`) || !populated(`{"type": "`+typ+`", "datasets": ["a", "b"], "initial_datasets": ["a"]}`) {
			t.Errorf("%s: initial_datasets not followed", typ)
		}
		if !populated(`{"type": "`+typ+`", "datasets": ["a"], "initial_datasets": ["a", "nowhere"]}`) ||
			populated(`{"type": "`+typ+`", "datasets": ["a"], "initial_datasets": ["a", "nowhere"], "ignore_non_existent_datasets": false}`) {
			t.Errorf("%s: ignore_non_existent_datasets not followed", typ)
		}
		if !populated(`{"type": "` + typ + `", "datasets": ["a", "b"], "initial_datasets": []}`) {
			t.Errorf("%s: an empty initial_datasets is not populated", typ)
		}
	}
}

func TestMultiDatasetRequirePopulatedInput(t *testing.T) {
	st := testkit.OpenStore(t)
	write(t, st, "a", `{"_id": "1"}`)
	write(t, st, "out", `{"_id": "kept"}`)
	eng := newEngine(t, st, `{"type": "union_datasets", "datasets": ["a"], "require_populated_input": true}`)
	if _, err := eng.Run(context.Background(), "p", engine.RunOptions{}); err == nil || !strings.Contains(err.Error(), "require_populated_input") {
		t.Fatalf("run before the input is populated: %v", err)
	}
	if got := contents(t, st, "out"); got != "kept={}" {
		t.Fatalf("the sink changed: %s", got)
	}
	if err := st.SetPopulated("a"); err != nil {
		t.Fatal(err)
	}
	run(t, eng)
	if got := contents(t, st, "out"); got != "a:1={} kept(deleted)" {
		t.Fatalf("after the input is populated: %s", got)
	}
}

func TestMultiDatasetIfSourceEmpty(t *testing.T) {
	st := testkit.OpenStore(t)
	write(t, st, "out", `{"_id": "kept"}`)
	write(t, st, "a", `{"_id": "gone", "_deleted": true}`)
	for _, typ := range []string{"union_datasets", "merge_datasets"} {
		eng := newEngine(t, st, `{"type": "`+typ+`", "datasets": ["nowhere", "empty"], "if_source_empty": "fail"}`)
		if _, err := eng.Run(context.Background(), "p", engine.RunOptions{}); err == nil || !strings.Contains(err.Error(), "if_source_empty") {
			t.Fatalf("%s: %v", typ, err)
		}
		if got := contents(t, st, "out"); got != "kept={}" {
			t.Fatalf("%s: the sink changed: %s", typ, got)
		}
	}
}

func TestMultiDatasetBadOffset(t *testing.T) {
	st := testkit.OpenStore(t)
	write(t, st, "a", `{"_id": "1"}`)
	for _, typ := range []string{"union_datasets", "merge_datasets"} {
		src := buildSource(t, st, `{"type": "`+typ+`", "datasets": ["a"]}`)
		for _, bad := range []string{"12", `{"a": -1}`, `{"a": 1.5}`, `{"a": 1} x`, `["a"]`} {
			err := src.Read(context.Background(), component.ReadRequest{Since: bad, BatchSize: 10}, func(component.Batch) error { return nil })
			if err == nil || !strings.Contains(err.Error(), "stored offset") {
				t.Errorf("%s, since %s: %v", typ, bad, err)
			}
		}
		// Offsets of datasets no longer read are dropped.
		var since string
		err := src.Read(context.Background(), component.ReadRequest{Since: `{"gone": 5}`, BatchSize: 10}, func(b component.Batch) error { since = b.Since; return nil })
		if err != nil || since != `{"a":0}` {
			t.Errorf("%s: %q, %v", typ, since, err)
		}
	}
}

func TestEmptySource(t *testing.T) {
	st := testkit.OpenStore(t)
	write(t, st, "out", `{"_id": "1"}`)
	eng := newEngine(t, st, `{"type": "empty"}`)
	for range 2 {
		if sum := run(t, eng); !sum.Full || sum.Read != 0 {
			t.Fatalf("run: %+v", sum)
		}
	}
	if got := contents(t, st, "out"); got != "1(deleted)" {
		t.Fatalf("after the runs: %s", got)
	}
	if _, err := loadConfig(t, `{"_id": "p", "type": "pipe", "source": {"type": "empty", "x": 1}}`); err == nil || !strings.Contains(err.Error(), `unknown property "x"`) {
		t.Fatalf("a property: %v", err)
	}
}

func TestMultiDatasetConfigErrors(t *testing.T) {
	for src, want := range map[string]string{
		`{"type": "union_datasets"}`:                                             `p.json:1:40: /source: missing required property "datasets"`,
		`{"type": "union_datasets", "datasets": []}`:                             `/source/datasets: datasets must name at least one dataset`,
		`{"type": "union_datasets", "datasets": "a"}`:                            `/source/datasets: expected a list of dataset names, got "a"`,
		`{"type": "union_datasets", "datasets": ["a", "b", "a"]}`:                `p.json:1:90: /source/datasets/2: dataset "a" is listed twice`,
		`{"type": "union_datasets", "datasets": ["a/b"]}`:                        `/source/datasets/0: dataset name "a/b" contains "/"`,
		`{"type": "merge_datasets", "datasets": ["a"], "initial_datasets": [1]}`: `/source/initial_datasets/0: expected a dataset name, got 1`,
		`{"type": "merge_datasets", "datasets": ["a"], "strategy": "first"}`:     `strategy must be "latest" or "all", not "first"`,
		`{"type": "merge_datasets", "datasets": ["a"], "prefix_ids": false}`:     `unknown property "prefix_ids"`,
		`{"type": "union_datasets", "datasets": ["a"], "dataset": "a"}`:          `unknown property "dataset" (did you mean "datasets"?)`,
	} {
		_, err := loadConfig(t, `{"_id": "p", "type": "pipe", "source": `+src+`}`)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s:\n got %v\nwant %s", src, err, want)
		}
	}
	cfg, err := loadConfig(t, `{"_id": "p", "type": "pipe", "source": {"type": "union_datasets", "datasets": ["a"], "supports_signalling": true}}`)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(cfg.Warnings.Error(), `property "supports_signalling" is accepted for Sesam compatibility but has no effect`) {
		t.Fatalf("warnings: %v", cfg.Warnings)
	}
	names := cfg.Pipes[0].Source.Config.(component.ReadsDataset).SourceDatasets()
	if !slices.Equal(names, []string{"a"}) {
		t.Fatalf("SourceDatasets: %q", names)
	}
}

func TestDiffDatasets(t *testing.T) {
	st := testkit.OpenStore(t)
	write(t, st, "products", `{"_id": "1", "name": "A", "price": 10}`, `{"_id": "2", "name": "B", "tags": [1, 2]}`, `{"_id": "3", "name": "C"}`)
	write(t, st, "other", `{"_id": "1", "name": "A", "price": 12.0, "_x": 1}`, `{"_id": "2", "name": "B", "tags": [1, 2]}`)
	eng := newEngine(t, st, `{"type": "diff_datasets", "datasets": ["products", "other"]}`)
	diffs := func() string {
		t.Helper()
		var out []string
		err := st.Scan("out", store.ReadOptions{}, func(_ uint64, e []byte) error {
			id, _ := entity.ID(e)
			if entity.Deleted(e) {
				out = append(out, id+"(deleted)")
			} else {
				out = append(out, id+"="+gjson.GetBytes(e, `\$diff`).Raw)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(out)
		return strings.Join(out, " ")
	}
	run(t, eng)
	if got, want := diffs(), `1={"price":{"products":10,"other":12.0}} 2(deleted) 3={"name":{"products":"C"}}`; got != want {
		t.Fatalf("first run:\n got %s\nwant %s", got, want)
	}
	e, _, _ := st.Get("out", "1")
	if gjson.GetBytes(e, "products.price").Int() != 10 || gjson.GetBytes(e, "other._x").Int() != 1 {
		t.Fatalf("the merged versions: %s", e)
	}

	// Agreement passes the entity on as deleted; a deletion in one
	// dataset is a difference.
	write(t, st, "other", `{"_id": "1", "name": "A", "price": 10.00}`, `{"_id": "2", "_deleted": true}`)
	run(t, eng)
	if got, want := diffs(), `1(deleted) 2={"_deleted":{"products":false,"other":true},"name":{"products":"B"},"tags":{"products":[1,2]}} 3={"name":{"products":"C"}}`; got != want {
		t.Fatalf("second run:\n got %s\nwant %s", got, want)
	}

	// The comparison's options, on a full run.
	write(t, st, "other", `{"_id": "2", "name": "b", "tags": [2, 1, 2], "n": 1}`)
	for source, want := range map[string]string{
		`"ignore_deletes": true`:                         `2={"name":{"products":"B","other":"b"},"tags":{"products":[1,2],"other":[2,1,2]},"n":{"other":1}}`,
		`"treat_lists_as_sets": true`:                    `2={"name":{"products":"B","other":"b"},"n":{"other":1}}`,
		`"whitelist": ["tags", "n"], "blacklist": ["n"]`: `2={"tags":{"products":[1,2],"other":[2,1,2]}}`,
	} {
		eng := newEngine(t, st, `{"type": "diff_datasets", "datasets": ["products", "other"], `+source+`}`)
		if _, err := eng.Run(context.Background(), "p", engine.RunOptions{Full: true}); err != nil {
			t.Fatal(err)
		}
		if got := diffs(); !strings.Contains(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", source, got, want)
		}
	}

	var log testkit.Buffer
	newEngineLog(t, st, log.Logger(), `{"type": "diff_datasets", "datasets": ["products", "other"]}`)
	if !strings.Contains(log.String(), `level=WARN msg="the diff_datasets source is deprecated in Sesam`) {
		t.Fatalf("log: %s", log.String())
	}
	if _, err := loadConfig(t, `{"_id": "p", "type": "pipe", "source": {"type": "diff_datasets", "datasets": []}}`); err == nil || !strings.Contains(err.Error(), "datasets must name at least one dataset") {
		t.Fatalf("no datasets: %v", err)
	}
}

func TestMultiDatasetWarnsOfMissingDatasets(t *testing.T) {
	for _, ignore := range []bool{true, false} {
		st := testkit.OpenStore(t)
		write(t, st, "a", `{"_id": "1"}`)
		var log testkit.Buffer
		eng := newEngineLog(t, st, log.Logger(), fmt.Sprintf(`{"type": "union_datasets", "datasets": ["a", "nowhere"], "ignore_non_existent_datasets": %t}`, ignore))
		if sum := run(t, eng); sum.Read != 1 {
			t.Fatalf("run: %+v", sum)
		}
		warned := strings.Contains(log.String(), `level=WARN msg="a dataset the source reads does not exist" pipe=p source=union_datasets dataset=nowhere`)
		if warned == ignore {
			t.Errorf("ignore_non_existent_datasets %t: log %s", ignore, log.String())
		}
	}
}
