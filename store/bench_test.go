package store

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/entity"
)

// benchEntity is a ~0.5 KB entity, the size the performance targets use.
func benchEntity(i int) entity.Entity {
	return entity.Entity(fmt.Sprintf(`{"_id":"customer-%08d","name":"Customer number %d","email":"customer%d@example.com",`+
		`"address":{"street":"%d Long Street Name","city":"Springfield","zip":"%05d","country":"NO"},`+
		`"tags":["gold","newsletter","b2b"],"balance":%d.25,"active":true,"created":"~t2024-01-02T03:04:05Z",`+
		`"notes":"%s"}`, i, i, i, i, i%99999, i*7, strings.Repeat("lorem ipsum ", 17)))
}

func benchWrite(b *testing.B, batch int, opts Options) {
	s, err := Open(b.TempDir(), opts)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	// Entities are made before timing; each iteration writes new _ids.
	const pool = 200_000
	all := make([]entity.Entity, pool)
	bytes := 0
	for i := range all {
		all[i] = benchEntity(i)
		bytes += len(all[i])
	}
	n := 0
	for b.Loop() {
		start := n % pool
		if start+batch > pool {
			b.StopTimer()
			start = 0
			n += pool - n%pool
			for i := range all { // fresh _ids for the next lap
				all[i] = benchEntity(n + i)
			}
			b.StartTimer()
		}
		if _, err := s.Write("bench", all[start:start+batch], WriteOptions{}); err != nil {
			b.Fatal(err)
		}
		n += batch
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "entities/s")
	b.ReportMetric(float64(bytes)/pool, "bytes/entity")
}

// BenchmarkWrite appends new entities in batches: by default as the engine
// writes (no fsync per commit), and with SyncWrites (an fsync per commit).
func BenchmarkWrite(b *testing.B) {
	for _, batch := range []int{100, 1000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) { benchWrite(b, batch, Options{}) })
		b.Run(fmt.Sprintf("batch=%d/syncwrites", batch), func(b *testing.B) { benchWrite(b, batch, Options{SyncWrites: true}) })
	}
}

// BenchmarkRewriteUnchanged measures the no-op path: a rerun over entities
// the dataset already has.
func BenchmarkRewriteUnchanged(b *testing.B) {
	s, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const total = 100_000
	all := make([]entity.Entity, total)
	for i := range all {
		all[i] = benchEntity(i)
	}
	for i := 0; i < total; i += 1000 {
		if _, err := s.Write("bench", all[i:i+1000], WriteOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	n := 0
	for b.Loop() {
		i := (n % total / 1000) * 1000
		if _, err := s.Write("bench", all[i:i+1000], WriteOptions{}); err != nil {
			b.Fatal(err)
		}
		n += 1000
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "entities/s")
}

// BenchmarkScanLatest reads the latest versions of a 200k-entity dataset.
func BenchmarkScanLatest(b *testing.B) {
	s, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const total = 200_000
	batch := make([]entity.Entity, 1000)
	for i := 0; i < total; i += len(batch) {
		for j := range batch {
			batch[j] = benchEntity(i + j)
		}
		if _, err := s.Write("bench", batch, WriteOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	n := 0
	for b.Loop() {
		err := s.Scan("bench", ReadOptions{}, func(_ uint64, e []byte) error {
			n++
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "entities/s")
}
