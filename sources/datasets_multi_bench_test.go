package sources

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/store"
)

// benchEntity is store's benchmark entity (~510 bytes).
func benchEntity(i int) entity.Entity {
	return entity.Entity(fmt.Sprintf(`{"_id":"customer-%08d","name":"Customer number %d","email":"customer%d@example.com",`+
		`"address":{"street":"%d Long Street Name","city":"Springfield","zip":"%05d","country":"NO"},`+
		`"tags":["gold","newsletter","b2b"],"balance":%d.25,"active":true,"created":"~t2024-01-02T03:04:05Z",`+
		`"notes":"%s"}`, i, i, i, i, i%99999, i*7, strings.Repeat("lorem ipsum ", 17)))
}

// BenchmarkReadSeveralDatasets compares a union_datasets read of two
// datasets of 100k entities with a dataset source read of one of 200k
// (the same entities), batches of 1,000, as a pipe into a dataset reads.
//
//	go test ./sources -run '^$' -bench ReadSeveralDatasets -benchtime 5x -count 5
func BenchmarkReadSeveralDatasets(b *testing.B) {
	const n = 100_000
	st := testkit.OpenStore(b)
	fill := func(name string, from, to int) {
		for start := from; start < to; start += 1000 {
			batch := make([]entity.Entity, 0, 1000)
			for i := start; i < min(start+1000, to); i++ {
				batch = append(batch, benchEntity(i))
			}
			if _, err := st.Write(name, batch, store.WriteOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	}
	fill("a", 0, n)
	fill("b", n, 2*n)
	fill("c", 0, 2*n)
	env := component.Env{Store: st}
	plain, err := DatasetSpec.Build(&DatasetConfig{Dataset: "c", IncludeReplaced: true, IfSourceEmpty: "accept"}, env)
	if err != nil {
		b.Fatal(err)
	}
	c := UnionDatasetsSpec.NewConfig().(*UnionDatasetsConfig)
	c.Datasets = DatasetNames{"a", "b"}
	union, err := UnionDatasetsSpec.Build(c, env)
	if err != nil {
		b.Fatal(err)
	}
	readAll := func(b *testing.B, src any) time.Duration {
		start := time.Now()
		got := 0
		err := src.(component.Source).Read(context.Background(), component.ReadRequest{BatchSize: 1000}, func(bt component.Batch) error {
			got += len(bt.Entities)
			return nil
		})
		if err != nil || got != 2*n {
			b.Fatalf("read %d: %v", got, err)
		}
		return time.Since(start)
	}
	read := func(b *testing.B, src any) {
		for b.Loop() {
			readAll(b, src)
		}
		b.ReportMetric(float64(2*n*b.N)/b.Elapsed().Seconds(), "entities/s")
	}
	b.Run("dataset=200k", func(b *testing.B) { read(b, plain) })
	b.Run("union_datasets=2x100k", func(b *testing.B) { read(b, union) })
	// On a shared machine the two reads are best compared side by side:
	// each iteration reads both, and the ratio of their times is reported.
	b.Run("union/dataset", func(b *testing.B) {
		var tp, tu time.Duration
		for b.Loop() {
			tp += readAll(b, plain)
			tu += readAll(b, union)
		}
		b.ReportMetric(tu.Seconds()/tp.Seconds(), "time-ratio")
	})
}
