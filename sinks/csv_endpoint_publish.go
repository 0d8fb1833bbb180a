package sinks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/pycsv"
)

var _ component.CSVPublishedSink = (*CSVEndpointSink)(nil)

// SkipDeleted is skip-deleted-entities.
func (s *CSVEndpointSink) SkipDeleted() bool { return s.Config.SkipDeletedEntities }

// Pulled: the pipe is read when a client asks for its CSV.
func (s *CSVEndpointSink) Pulled() {}

// CSVContentType names the encoding, so clients need not guess it.
func (s *CSVEndpointSink) CSVContentType() string {
	return "text/csv; charset=" + s.Config.codec.Name()
}

// CSVContentDisposition offers the file as a download named by the URL,
// else by the config; with neither it is served inline (no header).
func (s *CSVEndpointSink) CSVContentDisposition(filename string) string {
	if filename == "" {
		filename = s.Config.Filename
	}
	if filename == "" {
		return ""
	}
	// FormatMediaType quotes the name, or encodes it (RFC 2231) when it
	// is not ASCII; it gives "" for a name it cannot carry.
	return mime.FormatMediaType(s.Config.ContentDisposition, map[string]string{"filename": filename})
}

// AppendCSVHead appends the byte order mark and the header row, as set.
func (s *CSVEndpointSink) AppendCSVHead(dst []byte) ([]byte, error) {
	c := s.Config
	switch {
	case c.codec.BOM() != nil:
		dst = append(dst, c.codec.BOM()...)
	case c.ByteOrderMark:
		dst = append(dst, 0xEF, 0xBB, 0xBF)
	}
	if !c.IncludeHeader {
		return dst, nil
	}
	fields := make([]pycsv.Field, len(c.Columns))
	for i, col := range c.Columns {
		fields[i] = pycsv.Field{Text: []byte(col)}
	}
	return s.encode(dst, fields)
}

// AppendCSVRow appends the entity's row: its columns' values as text.
func (s *CSVEndpointSink) AppendCSVRow(dst []byte, e entity.Entity) ([]byte, error) {
	cols := s.Config.Columns
	fields := make([]pycsv.Field, len(cols))
	for i := range fields {
		fields[i].Null = true
	}
	err := entity.EachMember(e, func(key, value []byte) error {
		k := key[1 : len(key)-1]
		if bytes.IndexByte(k, '\\') >= 0 {
			var s string
			if err := json.Unmarshal(key, &s); err != nil {
				return err
			}
			k = []byte(s)
		}
		for i, col := range cols {
			if col == string(k) {
				f, err := csvField(value)
				if err != nil {
					return fmt.Errorf("property %q: %w", col, err)
				}
				fields[i] = f
			}
		}
		return nil
	})
	if err != nil {
		return dst, err
	}
	return s.encode(dst, fields)
}

// encode writes a row and encodes it in the configured encoding.
func (s *CSVEndpointSink) encode(dst []byte, fields []pycsv.Field) ([]byte, error) {
	c := s.Config
	if c.codec.IsUTF8() {
		return s.writer.AppendRecord(dst, fields)
	}
	row, err := s.writer.AppendRecord(nil, fields)
	if err != nil {
		return dst, err
	}
	return c.codec.AppendEncode(dst, row, c.EncodeErrorStrategy)
}

// csvField is a JSON value as Python's csv writer would write the value
// Sesam holds: strings as they are, None empty, booleans True and False
// (numbers to Python, so unquoted with non-numeric quoting). Lists and
// objects are written as compact JSON rather than as Python's repr.
func csvField(v []byte) (pycsv.Field, error) {
	switch v[0] {
	case '"':
		if bytes.IndexByte(v, '\\') < 0 {
			return pycsv.Field{Text: v[1 : len(v)-1]}, nil
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return pycsv.Field{}, err
		}
		return pycsv.Field{Text: []byte(s)}, nil
	case 'n':
		return pycsv.Field{Null: true}, nil
	case 't':
		return pycsv.Field{Text: []byte("True"), Numeric: true}, nil
	case 'f':
		return pycsv.Field{Text: []byte("False"), Numeric: true}, nil
	case '{', '[':
		var b bytes.Buffer
		if err := json.Compact(&b, v); err != nil {
			return pycsv.Field{}, err
		}
		return pycsv.Field{Text: b.Bytes()}, nil
	}
	return pycsv.Field{Text: v, Numeric: true}, nil
}
