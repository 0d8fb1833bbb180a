package sources

import (
	"context"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/dtl"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
)

// readAll reads everything after since and returns "id" or "id(deleted)"
// per entity, and the new since.
func readAll(t *testing.T, src component.Source, since string) (string, string) {
	t.Helper()
	var got []string
	err := src.Read(context.Background(), component.ReadRequest{Since: since, BatchSize: 100}, func(b component.Batch) error {
		for _, e := range b.Entities {
			id, _ := entity.ID(e)
			if entity.Deleted(e) {
				id += "(deleted)"
			}
			got = append(got, id)
		}
		since = b.Since
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(got, ","), since
}

func TestDatasetSubset(t *testing.T) {
	st, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	write := func(docs ...string) {
		t.Helper()
		es := make([]entity.Entity, len(docs))
		for i, d := range docs {
			es[i] = entity.Entity(d)
		}
		if _, err := st.Write("v", es, store.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := pipes.Parse("subset", []byte(`["eq", "_S.type", "A"]`))
	if err != nil {
		t.Fatal(err)
	}
	sub, err := dtl.CompileSubset(n)
	if err != nil {
		t.Fatal(err)
	}
	write(`{"_id":"x","type":"A"}`, `{"_id":"y","type":"B"}`, `{"_id":"z","type":["B","A"]}`)
	latest := &datasetSource{cfg: &DatasetConfig{Dataset: "v", Subset: Subset{sub}}, store: st}
	got, since := readAll(t, latest, "")
	if got != "x,z" {
		t.Fatalf("first read: %s", got)
	}
	// x leaves the subset over two versions before the next read; y was
	// never in it; z stays.
	write(`{"_id":"x","type":"B"}`, `{"_id":"y","type":"C"}`)
	write(`{"_id":"x","type":"C"}`, `{"_id":"z","type":"A","n":1}`)
	if got, _ = readAll(t, latest, since); got != "x(deleted),z" {
		t.Fatalf("second read: %s", got)
	}
	// With history, the version that left is the one that reads as deleted.
	all := &datasetSource{cfg: &DatasetConfig{Dataset: "v", IncludePreviousVersions: true, Subset: Subset{sub}}, store: st}
	if got, _ = readAll(t, all, ""); got != "x,z,x(deleted),z" {
		t.Fatalf("history read: %s", got)
	}
}
