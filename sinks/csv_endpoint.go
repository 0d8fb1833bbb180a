package sinks

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/pycsv"
)

// CSVEndpointConfig is the config of the "csv_endpoint" sink: a publisher
// of CSV. As in Sesam, its pipe is not pumped: "sluice run" reads it when
// a client GETs /api/publishers/<pipe>/csv (package receiver), and writes
// each entity as a row in the format set here, which follows Python's csv
// writer, as Sesam's does. A pushed (http_endpoint) source's entities are
// kept in the dataset named after the pipe, and served from there.
type CSVEndpointConfig struct {
	Columns             []string `json:"columns" cfg:"required" doc:"the properties to write, in order, one column each; also the header row"`
	Quoting             string   `json:"quoting" enum:"all,minimal,non-numeric,none" doc:"which fields are quoted: all; only those holding the delimiter, the quote character or a line break; all but numbers (and booleans); none, escaping those characters instead"`
	Delimiter           string   `json:"delimiter" doc:"the field separator (may be longer than one character)"`
	DoubleQuote         bool     `json:"doublequote" doc:"a quote character inside a field is doubled; false: escapechar goes before it"`
	IncludeHeader       bool     `json:"include_header" doc:"the first row names the columns"`
	EscapeChar          *string  `json:"escapechar" type:"string or null" default:"null (a backslash where escaping is needed: quoting none, or doublequote false)" doc:"one character put before a character that would otherwise need quoting: the delimiter with quoting none, the quote character with doublequote false, and itself"`
	LineTerminator      string   `json:"lineterminator" doc:"what ends each row"`
	QuoteChar           string   `json:"quotechar" doc:"the one character that quotes fields"`
	ByteOrderMark       bool     `json:"byte_order_mark" doc:"start the file with a UTF-8 byte order mark (with a UTF-8 encoding)"`
	Encoding            string   `json:"encoding" doc:"the character encoding, by Python's name for it: utf-8, utf-8-sig, utf-16, latin-1 (iso-8859-1), cp1252, ..."`
	EncodeErrorStrategy string   `json:"encode_error_strategy" enum:"ignore,replace,xmlcharrefreplace,backslashreplace" doc:"what becomes of a character the encoding cannot represent: left out, \"?\", \"&#NNN;\", or \"\\uNNNN\""`
	SkipDeletedEntities bool     `json:"skip-deleted-entities" doc:"leave deleted entities out; false: write them too (add \"_deleted\" to columns to tell them apart)"`
	Filename            string   `json:"filename" doc:"offered to clients as the download's name in a Content-Disposition header; without it (and without a filename at the end of the URL) the file is served inline"`
	ContentDisposition  string   `json:"content_disposition" enum:"attachment,inline" doc:"the Content-Disposition type sent with a filename"`

	codec   *pycsv.Codec
	dialect pycsv.Dialect
	dataset string // the pipe's _id, set by PipeDefaults
}

var _ component.WritesDataset = (*CSVEndpointConfig)(nil)

// PipeDefaults records the pipe's _id: the dataset the publisher writes.
func (c *CSVEndpointConfig) PipeDefaults(pipeID string) { c.dataset = pipeID }

// SinkDataset names the dataset the publisher writes: its pipe's.
func (c *CSVEndpointConfig) SinkDataset() string { return c.dataset }

var csvQuoting = map[string]pycsv.Quoting{
	"all": pycsv.QuoteAll, "minimal": pycsv.QuoteMinimal, "non-numeric": pycsv.QuoteNonNumeric, "none": pycsv.QuoteNone,
}

// Validate checks the columns, the dialect, the encoding and the filename.
func (c *CSVEndpointConfig) Validate() error {
	var errs []error
	field := func(name string, err error) { errs = append(errs, &pipes.FieldError{Field: name, Err: err}) }
	if len(c.Columns) == 0 {
		field("columns", errors.New("columns must name at least one property"))
	}
	seen := map[string]bool{}
	for _, col := range c.Columns {
		if seen[col] {
			field("columns", fmt.Errorf("column %q is listed twice", col))
		}
		seen[col] = true
	}
	c.dialect = pycsv.Dialect{
		Delimiter: c.Delimiter, QuoteChar: c.QuoteChar, DoubleQuote: c.DoubleQuote,
		LineTerminator: c.LineTerminator, Quoting: csvQuoting[c.Quoting],
	}
	switch {
	case c.EscapeChar != nil:
		c.dialect.EscapeChar = *c.EscapeChar
	case c.Quoting == "none" || !c.DoubleQuote:
		c.dialect.EscapeChar = `\`
	}
	switch {
	case utf8.RuneCountInString(c.QuoteChar) != 1:
		field("quotechar", fmt.Errorf("quotechar must be one character, not %q", c.QuoteChar))
	case c.EscapeChar != nil && utf8.RuneCountInString(*c.EscapeChar) > 1:
		field("escapechar", fmt.Errorf("escapechar must be one character or null, not %q", *c.EscapeChar))
	default:
		if err := c.dialect.Check(); err != nil {
			field("delimiter", err)
		}
	}
	if c.LineTerminator == "" {
		field("lineterminator", errors.New("lineterminator must not be empty"))
	}
	var err error
	if c.codec, err = pycsv.LookupCodec(c.Encoding); err != nil {
		field("encoding", err)
	} else if c.ByteOrderMark && !c.codec.IsUTF8() {
		field("byte_order_mark", fmt.Errorf("byte_order_mark goes with a UTF-8 encoding, not %q", c.Encoding))
	}
	if strings.ContainsAny(c.Filename, "\"\\/\r\n") {
		field("filename", errors.New("filename must not contain quotes, slashes or line breaks"))
	}
	return errors.Join(errs...)
}

// CSVEndpointSpec is the "csv_endpoint" sink.
var CSVEndpointSpec = component.Typed(component.KindSink, "csv_endpoint",
	"Publishes the pipe as CSV at `GET /api/publishers/<pipe>/csv` of `sluice run` (or "+
		"`/api/publishers/<pipe>/csv/<filename>`, which names the download). As in Sesam, the pipe is not "+
		"pumped (a run does nothing): each request reads its source through its transforms and streams one row "+
		"per entity, leaving out filtered ones and, by default, deleted ones — all of them, or `limit=M`; "+
		"`since=N` starts the source after its offset N, as a run would (for a dataset source, a dataset offset). "+
		"A pipe whose source is pushed (`http_endpoint`) keeps what it receives in the dataset named after it, "+
		"and the CSV is that dataset's latest versions in offset order.\n\n"+
		"Rows are written as Python's csv writer writes them (Sesam's format): a string as it is, a number as "+
		"written in the entity, `true`/`false` as `True`/`False`, `null` and missing properties as an empty "+
		"field, and a list or object as compact JSON.",
	func() *CSVEndpointConfig {
		return &CSVEndpointConfig{
			Quoting: "minimal", Delimiter: ",", DoubleQuote: true, IncludeHeader: true, LineTerminator: "\r\n",
			QuoteChar: `"`, Encoding: "utf-8", EncodeErrorStrategy: pycsv.EncodeBackslashReplace,
			SkipDeletedEntities: true, ContentDisposition: "attachment",
		}
	},
	func(c *CSVEndpointConfig, env component.Env) (component.Sink, error) {
		if env.Store == nil {
			return nil, errors.New("the csv_endpoint sink needs a store")
		}
		if c.codec == nil { // built without the loader
			if err := c.Validate(); err != nil {
				return nil, err
			}
		}
		ds := &DatasetConfig{Dataset: env.PipeID, DeletionTracking: true, SetInitialOffset: InitialOffsetIfSourcePopulated}
		return &CSVEndpointSink{datasetSink: &datasetSink{cfg: ds, store: env.Store}, Config: c, writer: pycsv.NewWriter(c.dialect)}, nil
	}).
	WithExample(`{"type": "csv_endpoint", "columns": ["_id", "name", "email"], "delimiter": ";", "filename": "customers.csv"}`)

// CSVEndpointSink is the built csv_endpoint sink: it makes the rows the
// publisher serves, and is a dataset sink for what a pushed source
// receives (Dataset names it).
type CSVEndpointSink struct {
	*datasetSink
	Config *CSVEndpointConfig
	writer *pycsv.Writer
}
