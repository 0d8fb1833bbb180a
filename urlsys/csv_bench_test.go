package urlsys

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/component"
)

// writeBenchCSV writes n rows of a customer-like table (8 columns, ~90
// bytes a row, some quoted fields) and returns its path.
func writeBenchCSV(tb testing.TB, dir string, n int) string {
	tb.Helper()
	path := filepath.Join(dir, "bench.csv")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprint(w, "id,first_name,last_name,email,city,country,balance,note\r\n")
	for i := range n {
		note := ""
		if i%5 == 0 {
			note = `"said ""hi"", left"`
		}
		fmt.Fprintf(w, "%d,Name%d,Surname%d,user%d@example.com,City %d,NO,%d.%02d,%s\r\n", i, i%977, i%1409, i, i%311, i*7%100000, i%100, note)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// BenchmarkCSVSourceVsEncodingCSV reads 200k rows from a local file into
// entities, in batches of 1000 as a pipe into a dataset sink does; in the
// same iteration, the baseline reads the same file with encoding/csv
// (records reused) and does nothing more. Each is timed on its own, so
// the machine's noise hits both alike.
func BenchmarkCSVSourceVsEncodingCSV(b *testing.B) {
	const rows = 200_000
	path := writeBenchCSV(b, b.TempDir(), rows)
	src := newCSVSource(b, `{"url": "`+path+`", "primary_key": "id"}`, component.Env{})
	var source, baseline time.Duration
	for b.Loop() {
		start := time.Now()
		n := 0
		err := src.Read(context.Background(), component.ReadRequest{BatchSize: 1000}, func(bt component.Batch) error {
			n += len(bt.Entities)
			return nil
		})
		if err != nil || n != rows {
			b.Fatalf("%d rows, %v", n, err)
		}
		source += time.Since(start)

		start = time.Now()
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		r := csv.NewReader(bufio.NewReaderSize(f, 64<<10))
		r.ReuseRecord = true
		n = -1 // the header
		for {
			_, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		f.Close()
		if n != rows {
			b.Fatalf("%d rows", n)
		}
		baseline += time.Since(start)
	}
	b.ReportMetric(float64(rows*b.N)/source.Seconds(), "source-rows/s")
	b.ReportMetric(float64(rows*b.N)/baseline.Seconds(), "encoding/csv-rows/s")
	b.ReportMetric(baseline.Seconds()/source.Seconds(), "source/baseline")
}
