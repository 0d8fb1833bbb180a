package urlsys

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/pycsv"
)

// FuzzCSVRows reads any bytes as a CSV file with a header, as the csv
// source does, with both decode strategies: it never panics, every entity
// it emits is one a dataset accepts (valid JSON and UTF-8, a string _id,
// no property twice), and an error names the file.
func FuzzCSVRows(f *testing.F) {
	for _, s := range []string{
		"id,v\n1,a\n", "id;v\r\n1;\"a;b\"\r\n", "id,id\n1,2\n", "id,v\n1,\"open\n", "id,_id,v\n1,2,3\n",
		"id,v\n\xff,x\n", "id,\"\\\"\n\"q\"\"\",\x00\n", "", "id\n\n\n2\n", "v,id\n,\n",
	} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, replace bool) {
		cfg := CSVSourceSpec.NewConfig().(*CSVSourceConfig)
		cfg.URL, cfg.PrimaryKey = "fuzz.csv", []string{"id"}
		if replace {
			cfg.DecodeErrorStrategy = "replace"
		}
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		d := pycsv.Sniff(data, cfg.dialect(), false, false)
		r := pycsv.NewReader(bytes.NewReader(data), d)
		r.MaxRecordBytes = 1 << 16
		rows, err := newRowBuilder(cfg, r, "fuzz.csv")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.csv: ") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		_, err = rows.each(context.Background(), 3, func(b component.Batch) error {
			if len(b.Entities) == 0 || len(b.Entities) > 3 {
				t.Fatalf("a batch of %d", len(b.Entities))
			}
			for _, e := range b.Entities {
				if err := entity.Check(e); err != nil {
					t.Fatalf("entity %q: %v", e, err)
				}
			}
			return nil
		})
		if err != nil && !strings.HasPrefix(err.Error(), "fuzz.csv: ") {
			t.Fatalf("error %q does not name the file", err)
		}
	})
}
