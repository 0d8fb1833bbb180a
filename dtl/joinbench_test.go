package dtl

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/store"
	"github.com/tidwall/gjson"
)

// storeDS serves hops from a real store, as the dtl transform's datasets
// do (transforms/datasets.go), so the benchmark below compares the two
// kinds of index on what a pipe runs.
type storeDS struct{ st *store.Store }

func (s storeDS) Get(_ context.Context, dataset, id string) (*Dict, error) {
	e, ok, err := s.st.Get(dataset, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (!ok || entity.Deleted(e))) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return DecodeEntity(e)
}

func (s storeDS) Join(_ context.Context, dataset string, path []string, keys []Value) ([]*Dict, error) {
	ks := make([]string, 0, len(keys))
	for _, k := range keys {
		if key, ok := entity.JoinKey(gjson.ParseBytes(EncodeJSON(k))); ok {
			ks = append(ks, key)
		}
	}
	raws, err := s.st.Join(dataset, path, ks)
	if err != nil {
		return nil, err
	}
	out := make([]*Dict, 0, len(raws))
	for _, r := range raws {
		d, err := DecodeEntity(r)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

func (s storeDS) Version(context.Context, string, uint64) (*Dict, error) { return nil, nil }

func (s storeDS) Changes(_ context.Context, dataset string, from uint64, fn func(*Dict) error) (uint64, error) {
	if info, ok := s.st.Dataset(dataset); !ok || info.Versions <= from {
		return from, nil
	}
	next := from
	err := s.st.Scan(dataset, store.ReadOptions{From: from}, func(offset uint64, e []byte) error {
		d, err := DecodeEntity(e)
		if err != nil {
			return err
		}
		next = offset + 1
		return fn(d)
	})
	return next, err
}

// benchPeople is the size of the joined dataset in BenchmarkHopIndex.
const benchPeople = 100_000

// BenchmarkHopIndex: one hop per entity into a 100k-entity dataset, by a
// property ("p.email", the store's join index) and by an expression giving
// the same values (["lower", "p.email"], an expression index). The
// expression index is built before the timer starts; its build cost is
// reported once as build-ms, and evals/op counts the expression's
// evaluations per hop after it (0: a hop only reads the index).
func BenchmarkHopIndex(b *testing.B) {
	st := testkit.OpenStore(b)
	batch := make([]entity.Entity, 0, 1000)
	for i := range benchPeople {
		batch = append(batch, entity.Entity(fmt.Sprintf(`{"_id": "person-%06d", "email": "user%d@example.org", "name": "Person %d", "team": %d}`, i, i, i, i%100)))
		if len(batch) == cap(batch) {
			if _, err := st.Write("people", batch, store.WriteOptions{}); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if err := st.EnsureJoinIndex("people", []string{"email"}); err != nil {
		b.Fatal(err)
	}
	ds := storeDS{st}
	for _, tc := range []struct{ name, side string }{
		{"property", `"p.email"`},
		{"expression", `["lower", "p.email"]`},
	} {
		b.Run(tc.name, func(b *testing.B) {
			p, err := Compile(mustNode(b, "rules", `{"default": [["copy", "_id"], ["add", "person",
			  ["hops", {"datasets": ["people p"], "where": ["eq", "_S.email", `+tc.side+`], "return": "p._id"}]]]}`), Options{Datasets: ds})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			src := func(i int) []byte {
				return fmt.Appendf(nil, `{"_id": "o%d", "email": "user%d@example.org"}`, i, (i*7919)%benchPeople)
			}
			hop := func(i int) {
				res, err := p.RunJSON(ctx, src(i))
				if err != nil {
					b.Fatal(err)
				}
				if v, _ := res.Target.Get("person"); len(AsList(v)) != 1 {
					b.Fatalf("hop %d found %s", i, EncodeJSON(v))
				}
				res.Release()
			}
			var ix *exprIndex
			for _, x := range p.exprIndexes {
				ix = x
			}
			var build time.Duration
			if ix != nil && ix.evals == 0 {
				start := time.Now()
				hop(0)
				build = time.Since(start)
			}
			before := int64(0)
			if ix != nil {
				before = ix.evals
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				hop(i)
			}
			b.StopTimer()
			if ix != nil {
				b.ReportMetric(float64(ix.evals-before)/float64(b.N), "evals/op")
				b.ReportMetric(float64(build.Milliseconds()), "build-ms")
			}
		})
	}
}
