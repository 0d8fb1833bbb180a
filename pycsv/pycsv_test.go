package pycsv

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

func readAll(t *testing.T, text string, d Dialect) [][]string {
	t.Helper()
	// One byte at a time too, so every token may straddle a refill.
	var first [][]string
	for i, src := range []io.Reader{strings.NewReader(text), iotest.OneByteReader(strings.NewReader(text))} {
		var got [][]string
		r := NewReader(src, d)
		for {
			f, _, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%q: %v", text, err)
			}
			row := make([]string, len(f))
			for i, b := range f {
				row[i] = string(b)
			}
			got = append(got, row)
		}
		if i == 0 {
			first = got
		} else if !reflect.DeepEqual(got, first) {
			t.Errorf("%q: read a byte at a time, got %q, not %q", text, got, first)
		}
	}
	return first
}

// The expectations are what Python 3.11's csv.reader gives (blank lines,
// which it returns as [], left out as DictReader leaves them out).
func TestReaderAgreesWithPython(t *testing.T) {
	esc := Excel
	esc.EscapeChar = `\`
	escNoDouble := esc
	escNoDouble.DoubleQuote = false
	single := Excel
	single.QuoteChar = "'"
	semi := Excel
	semi.Delimiter = ";"
	space := Excel
	space.SkipInitialSpace = true
	multi := Excel
	multi.Delimiter = "||"
	for _, c := range []struct {
		text string
		d    Dialect
		want [][]string
	}{
		{"a,b,c\r\n1,2,3\r\n", Excel, [][]string{{"a", "b", "c"}, {"1", "2", "3"}}},
		{"a,\"b,c\",d\n", Excel, [][]string{{"a", "b,c", "d"}}},
		{"\"a\"\"b\",c\n", Excel, [][]string{{`a"b`, "c"}}},
		{"\"ab\"c,d\n", Excel, [][]string{{"abc", "d"}}},
		{"ab\"c,d\n", Excel, [][]string{{`ab"c`, "d"}}},
		{"a,\n", Excel, [][]string{{"a", ""}}},
		{"a\rb\r", Excel, [][]string{{"a"}, {"b"}}},
		{"\"x\r\ny\",z\n", Excel, [][]string{{"x\r\ny", "z"}}},
		{"a, b,  c\n", space, [][]string{{"a", "b", "c"}}},
		{"a\\,b,c\n", esc, [][]string{{"a,b", "c"}}},
		{"\"a\\\"b\",c\n", escNoDouble, [][]string{{`a"b`, "c"}}},
		{"'a,b',c\n", single, [][]string{{"a,b", "c"}}},
		{"a;b\n", semi, [][]string{{"a", "b"}}},
		{"\n\na,b\n\n", Excel, [][]string{{"a", "b"}}},
		{"\"\",x\n", Excel, [][]string{{"", "x"}}},
		{"a\tb\n", ExcelTab, [][]string{{"a", "b"}}},
		{"a,b", Excel, [][]string{{"a", "b"}}},
		// Beyond Python: a delimiter of several characters.
		{"a||b|c||\"d||e\"\n", multi, [][]string{{"a", "b|c", "d||e"}}},
		{"ø,\"é\"\n", Excel, [][]string{{"ø", "é"}}},
	} {
		if got := readAll(t, c.text, c.d); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: got %q, want %q", c.text, got, c.want)
		}
	}
}

func TestReaderLinesAndErrors(t *testing.T) {
	r := NewReader(strings.NewReader("h1,h2\n\"multi\nline\",x\n\na,b\n\"open,c\n"), Excel)
	var lines []int
	for {
		_, line, err := r.Read()
		if err == io.EOF {
			t.Fatal("want an error for the unclosed quote")
		}
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line != 6 || !errors.Is(err, ErrUnclosedQuote) || !strings.HasPrefix(err.Error(), "line 6: ") {
				t.Fatalf("got %v", err)
			}
			break
		}
		lines = append(lines, line)
	}
	if !reflect.DeepEqual(lines, []int{1, 2, 5}) {
		t.Fatalf("record lines %v, want [1 2 5]", lines)
	}

	r = NewReader(strings.NewReader("\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), Excel)
	r.MaxRecordBytes = 10
	if _, _, err := r.Read(); err == nil || !strings.Contains(err.Error(), "longer than 10 bytes") {
		t.Fatalf("got %v", err)
	}

	boom := errors.New("boom")
	r = NewReader(io.MultiReader(strings.NewReader("a,b\n"), iotest.ErrReader(boom)), Excel)
	if _, _, err := r.Read(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Read(); !errors.Is(err, boom) {
		t.Fatalf("got %v, want the read error", err)
	}
}

// The expectations are what Python 3.11's csv.writer writes for
// ["a", "b,c", 'q"x', "l\nm", "", None, 1, 2.5, True, "e\\f"].
func TestWriterAgreesWithPython(t *testing.T) {
	row := []Field{
		{Text: []byte("a")}, {Text: []byte("b,c")}, {Text: []byte(`q"x`)}, {Text: []byte("l\nm")}, {Text: []byte("")},
		{Null: true}, {Text: []byte("1"), Numeric: true}, {Text: []byte("2.5"), Numeric: true}, {Text: []byte("True"), Numeric: true}, {Text: []byte(`e\f`)},
	}
	with := func(f func(*Dialect)) Dialect { d := Excel; f(&d); return d }
	for _, c := range []struct {
		d    Dialect
		want string
	}{
		{Excel, "a,\"b,c\",\"q\"\"x\",\"l\nm\",,,1,2.5,True,e\\f\r\n"},
		{with(func(d *Dialect) { d.Quoting = QuoteAll }), "\"a\",\"b,c\",\"q\"\"x\",\"l\nm\",\"\",\"\",\"1\",\"2.5\",\"True\",\"e\\f\"\r\n"},
		{with(func(d *Dialect) { d.Quoting = QuoteNonNumeric }), "\"a\",\"b,c\",\"q\"\"x\",\"l\nm\",\"\",\"\",1,2.5,True,\"e\\f\"\r\n"},
		{with(func(d *Dialect) { d.Quoting, d.EscapeChar = QuoteNone, `\` }), "a,b\\,c,q\\\"x,l\\\nm,,,1,2.5,True,e\\\\f\r\n"},
		{with(func(d *Dialect) { d.DoubleQuote, d.EscapeChar = false, `\` }), "a,\"b,c\",q\\\"x,\"l\nm\",,,1,2.5,True,e\\\\f\r\n"},
		{with(func(d *Dialect) { d.Delimiter, d.QuoteChar = ";", "'" }), "a;b,c;q\"x;'l\nm';;;1;2.5;True;e\\f\r\n"},
		{with(func(d *Dialect) { d.LineTerminator = "\n" }), "a,\"b,c\",\"q\"\"x\",\"l\nm\",,,1,2.5,True,e\\f\n"},
		{with(func(d *Dialect) { d.EscapeChar = `\` }), "a,\"b,c\",\"q\"\"x\",\"l\nm\",,,1,2.5,True,e\\\\f\r\n"},
	} {
		got, err := NewWriter(c.d).AppendRecord(nil, row)
		if err != nil || string(got) != c.want {
			t.Errorf("%+v:\n got %q, %v\nwant %q", c.d, got, err, c.want)
		}
	}
	if got, _ := NewWriter(Excel).AppendRecord(nil, []Field{{Null: true}}); string(got) != "\"\"\r\n" {
		t.Errorf("a lone empty field: %q", got)
	}
	none := Excel
	none.Quoting = QuoteNone
	if _, err := NewWriter(none).AppendRecord(nil, []Field{{Text: []byte("a,b")}}); !errors.Is(err, ErrNeedEscape) {
		t.Errorf("quoting none without an escape character: %v", err)
	}
}

func TestCheck(t *testing.T) {
	bad := []Dialect{
		{Delimiter: ""},
		{Delimiter: ",", QuoteChar: `""`},
		{Delimiter: "\n"},
		{Delimiter: ",", QuoteChar: ","},
		{Delimiter: ",", QuoteChar: `"`, EscapeChar: `"`},
	}
	for _, d := range bad {
		if d.Check() == nil {
			t.Errorf("%+v passes Check", d)
		}
	}
	for _, d := range []Dialect{Excel, ExcelTab, Unix, {Delimiter: "||"}} {
		if err := d.Check(); err != nil {
			t.Errorf("%+v: %v", d, err)
		}
	}
}

func TestSniff(t *testing.T) {
	for _, c := range []struct {
		sample        string
		delim, quote  string
		skipInitSpace bool
	}{
		{"a,b,c\n1,2,3\n", ",", `"`, false},
		{"a;b;c\n1,5;2,5;3\n", ";", `"`, false},
		{"a\tb\n1\t2\n", "\t", `"`, false},
		{"a|b\n\"x|y\"|2\n", "|", `"`, false},
		{"a, b, c\n1, 2, 3\n", ",", `"`, true},
		{"'a;b','c'\n'1','2'\n", ",", `'`, false},
		{"one column\nonly\n", ",", `"`, false},
	} {
		d := Sniff([]byte(c.sample), Excel, false, false)
		if d.Delimiter != c.delim || d.QuoteChar != c.quote || d.SkipInitialSpace != c.skipInitSpace {
			t.Errorf("%q: got %q %q %v", c.sample, d.Delimiter, d.QuoteChar, d.SkipInitialSpace)
		}
	}
	// A sample cut short is read to its last line break.
	if d := Sniff([]byte("a;b\n1;2\n3;\"4\n5"), Excel, false, true); d.Delimiter != ";" {
		t.Errorf("cut sample: %q", d.Delimiter)
	}
	if d := Sniff([]byte("a;b\n1;2\n"), Excel, true, false); d.Delimiter != "," {
		t.Errorf("a kept delimiter changed to %q", d.Delimiter)
	}
}

func TestCodecs(t *testing.T) {
	decode := func(name string, in []byte, replace bool) (string, error) {
		c, err := LookupCodec(name)
		if err != nil {
			t.Fatal(err)
		}
		out, err := io.ReadAll(c.NewDecoder(bytes.NewReader(in), replace))
		return string(out), err
	}
	for _, c := range []struct {
		name string
		in   []byte
		want string
	}{
		{"UTF-8", []byte("\xEF\xBB\xBFa,ø"), "a,ø"},
		{"utf-8-sig", []byte("\xEF\xBB\xBFa"), "a"},
		{"iso-8859-1", []byte("caf\xe9,\x80"), "café,\u0080"},
		{"latin-1", []byte("\xf8"), "ø"},
		{"cp1252", []byte("\x80"), "€"},
		{"utf-16", []byte("\xFF\xFEa\x00\xf8\x00"), "aø"},
		{"utf-16-be", []byte("\x00a"), "a"},
	} {
		if got, err := decode(c.name, c.in, false); err != nil || got != c.want {
			t.Errorf("%s: got %q, %v; want %q", c.name, got, err, c.want)
		}
	}
	var de *DecodeError
	if _, err := decode("ascii", []byte("ab\xe9"), false); !errors.As(err, &de) || de.Offset != 2 || de.Byte != 0xe9 {
		t.Errorf("ascii, strict: %v", err)
	}
	if got, err := decode("cp1252", []byte("a\x81"), true); err != nil || got != "a\uFFFD" {
		t.Errorf("cp1252, replace: %q %v", got, err)
	}
	if _, err := LookupCodec("klingon"); err == nil {
		t.Error("an unknown codec is found")
	}

	latin, _ := LookupCodec("latin-1")
	for strategy, want := range map[string]string{
		EncodeBackslashReplace:  `caf` + "\xe9" + ` \u0119 \U0001f600`,
		EncodeReplace:           "caf\xe9 ? ?",
		EncodeXMLCharRefReplace: "caf\xe9 &#281; &#128512;",
		EncodeIgnore:            "caf\xe9  ",
	} {
		got, err := latin.AppendEncode(nil, []byte("café ę 😀"), strategy)
		if err != nil || string(got) != want {
			t.Errorf("%s: got %q, %v; want %q", strategy, got, err, want)
		}
	}
	if _, err := latin.AppendEncode(nil, []byte("ę"), EncodeStrict); !errors.Is(err, ErrUnencodable) {
		t.Errorf("strict: %v", err)
	}
	u16, _ := LookupCodec("utf-16")
	if got, _ := u16.AppendEncode(u16.BOM(), []byte("a😀"), EncodeStrict); !bytes.Equal(got, []byte("\xFF\xFEa\x00\x3d\xd8\x00\xde")) {
		t.Errorf("utf-16: % x", got)
	}
}

// A delimiter longer than the read buffer is still found.
func TestLongDelimiter(t *testing.T) {
	d := Excel
	d.Delimiter = strings.Repeat("~", 40)
	r := newReaderSize(iotest.HalfReader(strings.NewReader("a"+d.Delimiter+"b\n")), d, 16)
	f, _, err := r.Read()
	if err != nil || len(f) != 2 || string(f[0]) != "a" || string(f[1]) != "b" {
		t.Fatalf("%q %v", f, err)
	}
}
