package pycsv

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"
	"testing/iotest"
)

// fuzzDialects are the dialects the fuzz targets pick from.
var fuzzDialects = func() []Dialect {
	esc := Excel
	esc.EscapeChar = `\`
	noDouble := esc
	noDouble.DoubleQuote = false
	none := esc
	none.Quoting = QuoteNone
	single := Excel
	single.QuoteChar, single.Delimiter, single.SkipInitialSpace = "'", ";", true
	multi := Excel
	multi.Delimiter = "::"
	unicodeQ := Excel
	unicodeQ.QuoteChar, unicodeQ.Delimiter = "«", "¦"
	all := Excel
	all.Quoting = QuoteAll
	return []Dialect{Excel, ExcelTab, esc, noDouble, none, single, multi, unicodeQ, all}
}()

func readRecords(src io.Reader, d Dialect) ([][]string, error) {
	r := NewReader(src, d)
	r.MaxRecordBytes = 1 << 16
	var out [][]string
	last := 0
	for {
		f, line, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if line <= last {
			return out, errors.New("record lines do not increase")
		}
		last = line
		row := make([]string, len(f))
		for i, b := range f {
			row[i] = string(b)
		}
		out = append(out, row)
	}
}

// FuzzReader reads any input in every dialect: no panic, record lines
// increase, and reading a byte at a time gives the same records.
func FuzzReader(f *testing.F) {
	for _, s := range []string{"a,b\r\n1,2\n", "\"a\"\"b\",c\n\"x\ny\"", "a\\,b;'c;d'\n", "a::b::\"c::d\"\r", "«a¦b»¦c\n", "\"open", ""} {
		f.Add([]byte(s), uint8(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, pick uint8) {
		d := fuzzDialects[int(pick)%len(fuzzDialects)]
		whole, err1 := readRecords(bytes.NewReader(data), d)
		bytewise, err2 := readRecords(iotest.OneByteReader(bytes.NewReader(data)), d)
		if !reflect.DeepEqual(whole, bytewise) || (err1 == nil) != (err2 == nil) {
			t.Fatalf("%q in %+v: %q (%v) at once, %q (%v) a byte at a time", data, d, whole, err1, bytewise, err2)
		}
		if err1 != nil {
			var pe *ParseError
			if !errors.As(err1, &pe) || pe.Line < 1 {
				t.Fatalf("%q: error %v is not a ParseError with a line", data, err1)
			}
		}
		Sniff(data, Excel, false, true)
	})
}

// FuzzRoundTrip writes fields made of the input and reads them back: the
// Reader must read what the Writer wrote, in every dialect with a
// one-character delimiter.
func FuzzRoundTrip(f *testing.F) {
	for _, s := range []string{"a|b,c|\"q\"|\r\n|", "|", "\\|'|;|«»|¦", "  x|y "} {
		f.Add([]byte(s), uint8(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, pick uint8) {
		d := fuzzDialects[int(pick)%len(fuzzDialects)]
		if len(d.Delimiter) > 1 && d.Delimiter != "¦" || d.SkipInitialSpace {
			return // a longer delimiter is read greedily, and skipped spaces are lost: neither round-trips
		}
		var fields []Field
		var want [][]string
		for rec := range bytes.SplitSeq(data, []byte{'#'}) {
			var row []string
			for fl := range bytes.SplitSeq(rec, []byte{'|'}) {
				fields = append(fields, Field{Text: fl})
				row = append(row, string(fl))
			}
			want = append(want, row)
			var err error
			out, err := NewWriter(d).AppendRecord(nil, fields)
			if errors.Is(err, ErrNeedEscape) {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := readRecords(bytes.NewReader(out), d)
			if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], row) {
				if len(row) == 1 && row[0] == "" && d.Quoting == QuoteNone && len(got) == 0 {
					fields = fields[:0]
					continue // a lone empty field cannot be written unquoted (Python refuses it)
				}
				t.Fatalf("%q in %+v wrote %q, read back %q (%v)", row, d, out, got, err)
			}
			fields = fields[:0]
		}
	})
}
