package urlsys

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/pycsv"
)

// CSVSourceConfig is the config of the "csv" source: the rows of a CSV
// file, fetched through a system:url or read from a local file, as
// entities.
type CSVSourceConfig struct {
	System               string             `json:"system" doc:"the system:url to fetch url through; without it, url is an absolute http(s):// URL, a file:// URL or a file path (relative paths start at the config folder)"`
	URL                  string             `json:"url" cfg:"required" doc:"where the CSV file is: a URL the system resolves, or a local file"`
	HasHeader            bool               `json:"has_header" doc:"the first row names the columns; false needs field_names"`
	FieldNames           []string           `json:"field_names" doc:"the names of the columns, in order; they win over the header row, which is then skipped"`
	AutoDialect          bool               `json:"auto_dialect" doc:"guess the delimiter and the quote character from the start of the file (ignored when dialect is set)"`
	Dialect              string             `json:"dialect" enum:"excel,excel_tab,unix_dialect" default:"excel, unless auto_dialect guesses" doc:"a preset: excel (comma), excel_tab (tab) or unix_dialect (comma; read as excel)"`
	Encoding             string             `json:"encoding" doc:"the character encoding, by Python's name for it: utf-8, utf-8-sig, utf-16, latin-1 (iso-8859-1), cp1252, ...; a UTF-8 byte order mark is dropped"`
	DecodeErrorStrategy  string             `json:"decode_error_strategy" enum:"strict,replace" doc:"strict: bytes that are not valid in the encoding fail the run, naming the line; replace: they become U+FFFD"`
	PrimaryKey           pipes.StringOrList `json:"primary_key" cfg:"required" doc:"the column, or columns, whose values make the _id; several are joined with \"-\""`
	Whitelist            []string           `json:"whitelist" doc:"only these columns become properties"`
	Blacklist            []string           `json:"blacklist" doc:"these columns do not become properties (applied after whitelist)"`
	PreserveEmptyStrings bool               `json:"preserve_empty_strings" doc:"keep empty values as \"\" properties; by default they are left out"`
	Delimiter            string             `json:"delimiter" default:"\",\" (or guessed, with auto_dialect)" doc:"the field separator (may be longer than one character)"`
	IfSourceEmpty        string             `json:"if_source_empty" enum:"accept,fail" doc:"fail: a file without rows fails the run, so the sink deletes nothing"`
	// QuoteChar and SkipRows are sluice additions.
	QuoteChar *string `json:"quotechar" type:"string" default:"the double quote (or guessed, with auto_dialect)" doc:"sluice: the character that quotes fields; \"\" for none"`
	SkipRows  int     `json:"skip_rows" default:"0" doc:"sluice: lines to skip before the header (or the first row), such as a title above the table"`

	codec *pycsv.Codec
}

// SesamKeys lists the Sesam properties CSVSourceConfig accepts without
// effect: sluice reads NUL bytes as any other character.
func (*CSVSourceConfig) SesamKeys() []string { return []string{"escape_null_bytes"} }

var csvDialects = map[string]pycsv.Dialect{"excel": pycsv.Excel, "excel_tab": pycsv.ExcelTab, "unix_dialect": pycsv.Excel}

// Validate checks what belongs together, so a bad config is reported at
// its place before anything runs.
func (c *CSVSourceConfig) Validate() error {
	var errs []error
	field := func(name string, err error) { errs = append(errs, &pipes.FieldError{Field: name, Err: err}) }
	if c.URL == "" {
		field("url", errors.New("url must not be empty"))
	}
	if !c.HasHeader && len(c.FieldNames) == 0 {
		field("field_names", errors.New(`"has_header": false needs "field_names"`))
	}
	if dup := csvDuplicate(c.FieldNames); dup != "" {
		field("field_names", fmt.Errorf("field_names names %q twice", dup))
	}
	if len(c.PrimaryKey) == 0 {
		field("primary_key", errors.New("primary_key must name at least one column"))
	}
	for _, k := range c.PrimaryKey {
		if len(c.FieldNames) > 0 && !slices.Contains(c.FieldNames, k) {
			field("primary_key", fmt.Errorf("primary_key %q is not among field_names", k))
		}
	}
	var err error
	if c.codec, err = pycsv.LookupCodec(c.Encoding); err != nil {
		field("encoding", err)
	}
	if c.SkipRows < 0 {
		field("skip_rows", errors.New("skip_rows cannot be negative"))
	}
	if err := c.dialect().Check(); err != nil {
		if c.QuoteChar != nil && !strings.ContainsAny(c.Delimiter, "\r\n") {
			field("quotechar", err)
		} else {
			field("delimiter", err)
		}
	}
	return errors.Join(errs...)
}

func csvDuplicate(names []string) string {
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			return n
		}
		seen[n] = true
	}
	return ""
}

// dialect is the configured dialect, before any guess.
func (c *CSVSourceConfig) dialect() pycsv.Dialect {
	d := pycsv.Excel
	if p, ok := csvDialects[c.Dialect]; ok {
		d = p
	}
	if c.Delimiter != "" {
		d.Delimiter = c.Delimiter
	}
	if c.QuoteChar != nil {
		d.QuoteChar = *c.QuoteChar
	}
	return d
}

// CSVSourceSpec is the "csv" source.
var CSVSourceSpec = component.Typed(component.KindSource, "csv",
	"The rows of a CSV file as entities: one entity per row, each column a string property (empty values left "+
		"out unless `preserve_empty_strings`), the `_id` made of the `primary_key` columns. The file is fetched "+
		"through a [`system:url`](systems.md#systemurl) (or read from a local file) and read as it arrives, in the "+
		"dialect of Python's csv module, as Sesam reads it: quoted fields may hold delimiters, line breaks and "+
		"doubled quotes; blank lines, and rows whose values are all empty, are skipped.\n\n"+
		"A row with more or fewer values than there are columns fails the run, naming the file and the line; "+
		"the entities of the batches before it are kept, and a full run that fails deletes nothing. Every run "+
		"is a full run.",
	func() *CSVSourceConfig {
		return &CSVSourceConfig{HasHeader: true, AutoDialect: true, Encoding: "utf-8", DecodeErrorStrategy: "strict",
			IfSourceEmpty: "accept"}
	},
	func(c *CSVSourceConfig, env component.Env) (component.Source, error) {
		if c.codec == nil { // built without the loader
			if err := c.Validate(); err != nil {
				return nil, err
			}
		}
		s := &csvSource{cfg: c, dir: env.ConfigDir}
		switch {
		case c.System != "" || isAbsolute(c.URL):
			sys, owned, err := systemFor(env, c.System)
			if err != nil {
				return nil, err
			}
			s.sys, s.ownSys = sys, owned
		default:
			s.path = csvLocalPath(c.URL, env.ConfigDir)
		}
		return s, nil
	}).
	WithExample(`{"type": "csv", "url": "data/countries.csv", "primary_key": "Code", "encoding": "iso-8859-1"}`)

// csvLocalPath is the file a url without a system names: a file:// URL or a
// path, relative ones from the config folder.
func csvLocalPath(u, dir string) string {
	if rest, ok := strings.CutPrefix(u, "file://"); ok {
		if p, err := url.PathUnescape(rest); err == nil {
			rest = p
		}
		u = strings.TrimPrefix(rest, "localhost")
	}
	if !filepath.IsAbs(u) && dir != "" {
		u = filepath.Join(dir, u)
	}
	return u
}

type csvSource struct {
	cfg    *CSVSourceConfig
	dir    string
	sys    *System
	ownSys bool
	path   string
}

func (s *csvSource) SupportsSince() bool { return false }

// Close closes the system the source made for itself.
func (s *csvSource) Close(ctx context.Context) error {
	if s.ownSys {
		return s.sys.Close(ctx)
	}
	return nil
}

// open starts reading the file, and names it for messages.
func (s *csvSource) open(ctx context.Context) (io.ReadCloser, string, error) {
	if s.sys == nil {
		f, err := os.Open(s.path)
		if err != nil {
			return nil, s.path, err
		}
		return f, s.path, nil
	}
	u, err := s.sys.URL(s.cfg.URL)
	if err != nil {
		return nil, s.cfg.URL, err
	}
	name := redactURL(u)
	resp, err := s.sys.DoRetry(ctx, func() (*http.Request, error) {
		req, err := http.NewRequest(http.MethodGet, u, nil)
		if err == nil {
			req.Header.Set("Accept", "text/csv, */*")
		}
		return req, err
	})
	if err != nil {
		return nil, name, fmt.Errorf("GET %s: %w", name, err)
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, name, fmt.Errorf("GET %s: %s: %s", name, resp.Status, strings.TrimSpace(string(excerpt)))
	}
	return resp.Body, name, nil
}

// sniffBytes is how much of the file auto_dialect looks at.
const sniffBytes = 64 << 10

func (s *csvSource) Read(ctx context.Context, req component.ReadRequest, emit func(component.Batch) error) error {
	c := s.cfg
	body, name, err := s.open(ctx)
	if err != nil {
		if s.sys == nil {
			return fmt.Errorf("csv source: %w", err)
		}
		return err
	}
	defer body.Close()
	in := bufio.NewReaderSize(c.codec.NewDecoder(body, c.DecodeErrorStrategy == "replace"), sniffBytes)
	for range c.SkipRows {
		if err := csvSkipLine(in); err != nil {
			break // the reader finds the end, or the error, again
		}
	}
	d := c.dialect()
	if c.Dialect == "" && c.AutoDialect {
		sample, err := in.Peek(sniffBytes)
		if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
			return fmt.Errorf("%s: %w", name, err)
		}
		sniffed := pycsv.Sniff(sample, d, c.Delimiter != "", len(sample) == sniffBytes)
		if c.QuoteChar != nil {
			sniffed.QuoteChar = d.QuoteChar
		}
		d = sniffed
	}
	r := pycsv.NewReader(in, d)
	if c.SkipRows > 0 {
		r.SetLine(c.SkipRows + 1)
	}
	rows, err := newRowBuilder(c, r, name)
	if err != nil {
		return err
	}
	n, err := rows.each(ctx, req.BatchSize, emit)
	if err != nil {
		return err
	}
	if n == 0 && c.IfSourceEmpty == "fail" {
		return fmt.Errorf(`%s has no rows, and if_source_empty is "fail"`, name)
	}
	return nil
}

// csvSkipLine reads past the next "\n".
func csvSkipLine(in *bufio.Reader) error {
	for {
		_, err := in.ReadSlice('\n')
		if !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
	}
}
