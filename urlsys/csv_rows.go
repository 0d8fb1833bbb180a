package urlsys

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/pycsv"
)

// csvRows turns the records of a CSV reader into entities.
type csvRows struct {
	r       *pycsv.Reader
	name    string // the file or URL, for messages
	codec   string
	replace bool // invalid UTF-8 becomes U+FFFD instead of failing
	keepNil bool // preserve_empty_strings
	eof     bool // the file has no header row (nor any row)

	names []string
	keys  [][]byte // per column: `,"name":`, or nil when it is left out
	pk    []int    // the primary key's columns
}

// newRowBuilder reads the header (unless field_names stand for it) and
// works out what becomes of each column.
func newRowBuilder(c *CSVSourceConfig, r *pycsv.Reader, name string) (*csvRows, error) {
	b := &csvRows{r: r, name: name, codec: c.codec.Name(), replace: c.DecodeErrorStrategy == "replace", keepNil: c.PreserveEmptyStrings}
	b.names = c.FieldNames
	if c.HasHeader {
		header, line, err := r.Read()
		switch {
		case err == io.EOF:
			b.eof = true
			return b, nil
		case err != nil:
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if len(b.names) == 0 {
			for i, h := range header {
				if !b.replace && !utf8.Valid(h) {
					return nil, fmt.Errorf("%s: line %d: the name of column %d is not valid %s", name, line, i+1, b.codec)
				}
				b.names = append(b.names, strings.ToValidUTF8(string(h), "\uFFFD"))
			}
			if dup := csvDuplicate(b.names); dup != "" {
				return nil, fmt.Errorf("%s: line %d: the header names column %q twice", name, line, dup)
			}
		}
	}
	for _, k := range c.PrimaryKey {
		i := slices.Index(b.names, k)
		if i < 0 {
			return nil, fmt.Errorf("%s: primary_key %q is not a column; the columns are %q", name, k, b.names)
		}
		b.pk = append(b.pk, i)
	}
	for _, n := range b.names {
		keep := n != entity.PropID && // the _id comes from primary_key
			(len(c.Whitelist) == 0 || slices.Contains(c.Whitelist, n)) && !slices.Contains(c.Blacklist, n)
		var key []byte
		if keep {
			key, _ = csvJSONString(append(key, ','), []byte(n), true)
			key = append(key, ':')
		}
		b.keys = append(b.keys, key)
	}
	return b, nil
}

// each emits the entities in batches of batchSize, each batch only once
// all its rows have been read: a bad row stops the run with nothing of
// its batch emitted. It returns how many entities it emitted.
func (b *csvRows) each(ctx context.Context, batchSize int, emit func(component.Batch) error) (int, error) {
	if b.eof {
		return 0, nil
	}
	if batchSize <= 0 {
		batchSize = 1000
	}
	arena := make([]byte, 0, 64<<10)
	var ends []int
	total := 0
	flush := func() error {
		es := make([]entity.Entity, len(ends))
		start := 0
		for i, e := range ends {
			es[i] = entity.Entity(arena[start:e:e])
			start = e
		}
		// The batch may be kept after emit returns: the next one gets an
		// arena of its own.
		arena, ends = make([]byte, 0, cap(arena)), ends[:0]
		total += len(es)
		return emit(component.Batch{Entities: es})
	}
	for {
		fields, line, err := b.r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return total, fmt.Errorf("%s: %w", b.name, err)
		}
		if csvAllEmpty(fields) {
			continue // a row of empty values, such as spreadsheets leave below a table
		}
		if len(fields) != len(b.names) {
			return total, fmt.Errorf("%s: line %d: the row has %d values, but there are %d columns (%s)", b.name, line, len(fields), len(b.names), b.columnsNote())
		}
		if arena, err = b.appendEntity(arena, fields); err != nil {
			return total, fmt.Errorf("%s: line %d: %w", b.name, line, err)
		}
		ends = append(ends, len(arena))
		if len(ends) == batchSize {
			if err := ctx.Err(); err != nil {
				return total, err
			}
			if err := flush(); err != nil {
				return total, err
			}
		}
	}
	if len(ends) > 0 {
		return total, flush()
	}
	return total, nil
}

// columnsNote says where the column count comes from.
func (b *csvRows) columnsNote() string {
	if len(b.names) <= 8 {
		return fmt.Sprintf("%q", b.names)
	}
	return fmt.Sprintf("%q, ...", b.names[:8])
}

func csvAllEmpty(fields [][]byte) bool {
	for _, f := range fields {
		if len(f) > 0 {
			return false
		}
	}
	return true
}

// appendEntity appends the row's entity: its _id, then each kept column
// as a string property, in column order.
func (b *csvRows) appendEntity(dst []byte, fields [][]byte) ([]byte, error) {
	start := len(dst)
	dst = append(dst, `{"_id":"`...)
	for i, k := range b.pk {
		if len(fields[k]) == 0 {
			return dst[:start], fmt.Errorf("the primary key column %q is empty", b.names[k])
		}
		if i > 0 {
			dst = append(dst, '-')
		}
		var ok bool
		if dst, ok = csvJSONChars(dst, fields[k], b.replace); !ok {
			return dst[:start], fmt.Errorf("column %q is not valid %s", b.names[k], b.codec)
		}
	}
	dst = append(dst, '"')
	for i, v := range fields {
		key := b.keys[i]
		if key == nil || (len(v) == 0 && !b.keepNil) {
			continue
		}
		dst = append(dst, key...)
		var ok bool
		if dst, ok = csvJSONString(dst, v, b.replace); !ok {
			return dst[:start], fmt.Errorf("column %q is not valid %s", b.names[i], b.codec)
		}
	}
	return append(dst, '}'), nil
}

// csvJSONPlain marks the bytes a JSON string holds as they are.
var csvJSONPlain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// csvJSONString appends s as a JSON string; ok is false when s is not
// UTF-8 and replace is off.
func csvJSONString(dst, s []byte, replace bool) ([]byte, bool) {
	dst = append(dst, '"')
	dst, ok := csvJSONChars(dst, s, replace)
	return append(dst, '"'), ok
}

// csvJSONChars appends s escaped for a JSON string, without quotes.
func csvJSONChars(dst, s []byte, replace bool) ([]byte, bool) {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if csvJSONPlain[c] {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRune(s[i:])
			if r != utf8.RuneError || n > 1 {
				i += n
				continue
			}
			if !replace {
				return dst, false
			}
			dst = append(append(dst, s[start:i]...), "\uFFFD"...)
			i++
			start = i
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, `\n`...)
		case '\r':
			dst = append(dst, `\r`...)
		case '\t':
			dst = append(dst, `\t`...)
		default:
			dst = append(dst, `\u00`...)
			dst = append(dst, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xF])
		}
		i++
		start = i
	}
	return append(dst, s[start:]...), true
}
