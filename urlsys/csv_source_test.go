package urlsys

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/pipes"
)

func csvRegistry() *component.Registry {
	r := registry()
	r.MustRegister(CSVSourceSpec, discardSinkSpec)
	return r
}

// discardSinkSpec is a sink for test configs, which need one.
var discardSinkSpec = component.Typed(component.KindSink, "discard", "Discards entities.",
	func() *struct{} { return &struct{}{} },
	func(*struct{}, component.Env) (component.Sink, error) { return discardSink{}, nil })

type discardSink struct{}

func (discardSink) Write(_ context.Context, es []entity.Entity) (component.WriteStats, error) {
	return component.WriteStats{Written: len(es)}, nil
}

// csvSource decodes a csv source config (which must be valid) and builds it.
func newCSVSource(t testing.TB, js string, env component.Env) component.Source {
	t.Helper()
	n, err := pipes.Parse("source.json", []byte(js))
	if err != nil {
		t.Fatal(err)
	}
	cfg := CSVSourceSpec.NewConfig().(*CSVSourceConfig)
	if errs := pipes.Decode(n, cfg); errs.HasErrors() {
		t.Fatalf("config %s: %v", js, errs)
	}
	src, err := component.Build[component.Source](csvRegistry(), component.KindSource, "csv", cfg, env)
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := src.(component.Closer); ok {
		t.Cleanup(func() { c.Close(context.Background()) })
	}
	return src
}

// readCSV runs the source and returns its batches as decoded entities.
func readCSV(t *testing.T, src component.Source, batchSize int) ([][]map[string]any, error) {
	t.Helper()
	var batches [][]map[string]any
	err := src.Read(context.Background(), component.ReadRequest{BatchSize: batchSize}, func(b component.Batch) error {
		var out []map[string]any
		for _, e := range b.Entities {
			if err := entity.Check(e); err != nil {
				t.Fatalf("entity %s: %v", e, err)
			}
			var m map[string]any
			if err := json.Unmarshal(e, &m); err != nil {
				t.Fatal(err)
			}
			out = append(out, m)
		}
		batches = append(batches, out)
		return nil
	})
	return batches, err
}

func flat(batches [][]map[string]any) []map[string]any {
	var out []map[string]any
	for _, b := range batches {
		out = append(out, b...)
	}
	return out
}

// serveCSV serves files by path, with a content type and no other help.
func serveCSV(t *testing.T, files map[string]string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := files[r.URL.Path]
		if !ok {
			http.Error(w, "no such file", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "text/csv")
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestCSVSourceThroughURLSystem(t *testing.T) {
	srv := serveCSV(t, map[string]string{
		"/files/countries.csv": "Code;Name;Capital;Note\r\nNO;Norge;Oslo;\r\nSE;Sverige;\"Stock;holm\";\"two\r\nlines\"\r\n\r\nDK;\"Dan\"\"mark\";København;\r\n",
		"/files/latin.csv":     "id,name\n1,Zo\xeb\n",
	})
	sys := newSystem(t, `{"url_pattern": "`+srv.URL+`/files/%s", "headers": {"X-Test": "1"}}`)
	src := newCSVSource(t, `{"system": "api", "url": "countries.csv", "primary_key": "Code"}`, envWith(sys))
	batches, err := readCSV(t, src, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{
		{"_id": "NO", "Code": "NO", "Name": "Norge", "Capital": "Oslo"},
		{"_id": "SE", "Code": "SE", "Name": "Sverige", "Capital": "Stock;holm", "Note": "two\r\nlines"},
		{"_id": "DK", "Code": "DK", "Name": "Dan\"mark", "Capital": "København"},
	}
	if got := flat(batches); !reflect.DeepEqual(got, want) || len(batches) != 2 {
		t.Fatalf("got %d batches %v\nwant %v", len(batches), got, want)
	}

	src = newCSVSource(t, `{"system": "api", "url": "latin.csv", "primary_key": "id", "encoding": "iso-8859-1"}`, envWith(sys))
	if batches, err := readCSV(t, src, 10); err != nil || flat(batches)[0]["name"] != "Zoë" {
		t.Fatalf("latin-1: %v %v", batches, err)
	}
	// The same file read as UTF-8 fails at its line, naming the URL.
	src = newCSVSource(t, `{"system": "api", "url": "latin.csv", "primary_key": "id"}`, envWith(sys))
	if _, err := readCSV(t, src, 10); err == nil || err.Error() != srv.URL+`/files/latin.csv: line 2: column "name" is not valid utf-8` {
		t.Fatalf("latin-1 read as UTF-8: %v", err)
	}
	src = newCSVSource(t, `{"system": "api", "url": "latin.csv", "primary_key": "id", "decode_error_strategy": "replace"}`, envWith(sys))
	if batches, err := readCSV(t, src, 10); err != nil || flat(batches)[0]["name"] != "Zo\uFFFD" {
		t.Fatalf("replace: %v %v", batches, err)
	}
	src = newCSVSource(t, `{"system": "api", "url": "missing.csv", "primary_key": "id"}`, envWith(sys))
	if _, err := readCSV(t, src, 10); err == nil || !strings.Contains(err.Error(), "404 Not Found: no such file") || !strings.Contains(err.Error(), "/files/missing.csv") {
		t.Fatalf("missing file: %v", err)
	}
}

func TestCSVSourceOptions(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("people.csv", "\xEF\xBB\xBFid,first,last,secret,_id\n1,Ada,Lovelace,x,ignored\n2,Grace,,y,ignored\n,,,,\n")
	write("noheader.tsv", "a\t1\nb\t2\n")
	write("titled.csv", "Report of 2024\nmade by hand\nid|v\n1|'x|y'\n")
	env := component.Env{ConfigDir: dir}
	for _, c := range []struct {
		config string
		want   []map[string]any
	}{
		{`{"url": "people.csv", "primary_key": "id"}`, []map[string]any{
			{"_id": "1", "id": "1", "first": "Ada", "last": "Lovelace", "secret": "x"},
			{"_id": "2", "id": "2", "first": "Grace", "secret": "y"}}},
		{`{"url": "people.csv", "primary_key": ["first", "id"], "whitelist": ["first", "last", "secret"], "blacklist": ["secret"], "preserve_empty_strings": true}`, []map[string]any{
			{"_id": "Ada-1", "first": "Ada", "last": "Lovelace"},
			{"_id": "Grace-2", "first": "Grace", "last": ""}}},
		{`{"url": "people.csv", "primary_key": "_id", "field_names": ["a", "b", "c", "d", "_id"]}`, []map[string]any{
			{"_id": "ignored", "a": "1", "b": "Ada", "c": "Lovelace", "d": "x"},
			{"_id": "ignored", "a": "2", "b": "Grace", "d": "y"}}},
		{`{"url": "file://` + filepath.Join(dir, "noheader.tsv") + `", "primary_key": "k", "has_header": false, "field_names": ["k", "n"]}`, []map[string]any{
			{"_id": "a", "k": "a", "n": "1"}, {"_id": "b", "k": "b", "n": "2"}}},
		{`{"url": "noheader.tsv", "primary_key": "k", "has_header": false, "field_names": ["k", "n"], "dialect": "excel_tab"}`, []map[string]any{
			{"_id": "a", "k": "a", "n": "1"}, {"_id": "b", "k": "b", "n": "2"}}},
		{`{"url": "titled.csv", "primary_key": "id", "skip_rows": 2}`, []map[string]any{{"_id": "1", "id": "1", "v": "x|y"}}},
		{`{"url": "titled.csv", "primary_key": "id", "skip_rows": 2, "auto_dialect": false, "delimiter": "|", "quotechar": "'"}`, []map[string]any{{"_id": "1", "id": "1", "v": "x|y"}}},
	} {
		src := newCSVSource(t, c.config, env)
		batches, err := readCSV(t, src, 100)
		if err != nil {
			t.Errorf("%s: %v", c.config, err)
			continue
		}
		if got := flat(batches); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %v\nwant %v", c.config, got, c.want)
		}
	}
}

func TestCSVSourceBadRowsAndEmptyFiles(t *testing.T) {
	dir := t.TempDir()
	rows := "id,v\n1,a\n2,b\n3,c\n4,d\n5,e,extra\n6,f\n"
	for name, text := range map[string]string{"bad.csv": rows, "empty.csv": "", "header.csv": "id,v\r\n", "dup.csv": "id,id\n1,2\n", "nokey.csv": "id,v\n,x\n", "open.csv": "id,v\n1,\"never closed\n2,x\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := component.Env{ConfigDir: dir}
	path := filepath.Join(dir, "bad.csv")

	// Batches of two: the two complete batches before the bad row are
	// emitted, the half-read third is not.
	batches, err := readCSV(t, newCSVSource(t, `{"url": "bad.csv", "primary_key": "id"}`, env), 2)
	if err == nil || err.Error() != path+`: line 6: the row has 3 values, but there are 2 columns (["id" "v"])` {
		t.Fatalf("bad row: %v", err)
	}
	if len(batches) != 2 || len(flat(batches)) != 4 {
		t.Fatalf("emitted before the bad row: %v", batches)
	}
	for name, want := range map[string]string{
		"dup.csv":     `dup.csv: line 1: the header names column "id" twice`,
		"nokey.csv":   `nokey.csv: line 2: the primary key column "id" is empty`,
		"open.csv":    `open.csv: line 2: a quoted field is not closed at the end of the input`,
		"missing.csv": `csv source: open ` + filepath.Join(dir, "missing.csv") + `: no such file or directory`,
	} {
		_, err := readCSV(t, newCSVSource(t, `{"url": "`+name+`", "primary_key": "id"}`, env), 10)
		if err == nil || !strings.HasSuffix(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", name, err, want)
		}
	}
	_, err = readCSV(t, newCSVSource(t, `{"url": "bad.csv", "primary_key": "key"}`, env), 10)
	if err == nil || !strings.HasSuffix(err.Error(), `primary_key "key" is not a column; the columns are ["id" "v"]`) {
		t.Errorf("primary key not a column: %v", err)
	}
	for _, name := range []string{"empty.csv", "header.csv"} {
		if batches, err := readCSV(t, newCSVSource(t, `{"url": "`+name+`", "primary_key": "id"}`, env), 10); err != nil || len(batches) != 0 {
			t.Errorf("%s: %v %v", name, batches, err)
		}
		_, err := readCSV(t, newCSVSource(t, `{"url": "`+name+`", "primary_key": "id", "if_source_empty": "fail"}`, env), 10)
		if err == nil || !strings.Contains(err.Error(), `has no rows, and if_source_empty is "fail"`) {
			t.Errorf("%s with if_source_empty fail: %v", name, err)
		}
	}
	// A failing emit (the sink) stops the source with its error.
	boom := errors.New("sink failed")
	err = newCSVSource(t, `{"url": "header.csv", "primary_key": "id"}`, env).Read(context.Background(), component.ReadRequest{BatchSize: 1},
		func(component.Batch) error { return boom })
	if err != nil {
		t.Fatalf("no rows, no emit: %v", err)
	}
	err = newCSVSource(t, `{"url": "bad.csv", "primary_key": "id"}`, env).Read(context.Background(), component.ReadRequest{BatchSize: 1},
		func(component.Batch) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("emit error: %v", err)
	}
}

func TestCSVSourceConfigErrors(t *testing.T) {
	for cfg, want := range map[string]string{
		`{"type": "csv", "url": "x.csv"}`:                                                         `missing required property "primary_key"`,
		`{"type": "csv", "url": "x.csv", "primary_key": "id", "has_header": false}`:               `/0/source: field_names: "has_header": false needs "field_names"`,
		`{"type": "csv", "url": "x.csv", "primary_key": "id", "field_names": ["a", "a"]}`:         `field_names names "a" twice`,
		`{"type": "csv", "url": "x.csv", "primary_key": "id", "field_names": ["a"]}`:              `/0/source/primary_key: primary_key "id" is not among field_names`,
		`{"type": "csv", "url": "x.csv", "primary_key": "id", "encoding": "klingon"}`:             `/0/source/encoding: unknown or unsupported encoding "klingon"`,
		`{"type": "csv", "url": "x.csv", "primary_key": "id", "dialect": "excel-tab"}`:            `/0/source/dialect: dialect must be`,
		`{"type": "csv", "url": "x.csv", "primary_key": "id", "quotechar": ","}`:                  `/0/source/quotechar: the delimiter "," and the quote or escape character "," must differ`,
		`{"type": "csv", "url": "x.csv", "primary_key": "id", "delimiter": "\n"}`:                 `/0/source/delimiter:`,
		`{"type": "csv", "url": "x.csv", "primary_key": "id", "decode_error_strategy": "ignore"}`: `/0/source/decode_error_strategy: decode_error_strategy must be`,
	} {
		_, err := loadConfig(t, csvRegistry(), map[string]string{"pipes.json": `[{"_id": "p", "type": "pipe", "source": ` + cfg + `, "sink": {"type": "discard"}}]`})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s:\n got %v\nwant %q", cfg, err, want)
		}
	}
	cfg, err := loadConfig(t, csvRegistry(), map[string]string{"pipes.json": `[{"_id": "p", "type": "pipe", "source": {"type": "csv", "url": "x.csv", "primary_key": "id", "escape_null_bytes": true}, "sink": {"type": "discard"}}]`})
	if err != nil || !strings.Contains(cfg.Warnings.Error(), `property "escape_null_bytes" is accepted for Sesam compatibility but has no effect in sluice`) {
		t.Errorf("escape_null_bytes: %v, warnings %v", err, cfg.Warnings)
	}
	c := CSVSourceSpec.NewConfig().(*CSVSourceConfig)
	c.URL, c.PrimaryKey, c.System = "x.csv", []string{"id"}, "nope"
	if _, err := CSVSourceSpec.Build(c, envWith(nil)); err == nil || err.Error() != `system "nope" is not defined` {
		t.Errorf("unknown system: %v", err)
	}
}
