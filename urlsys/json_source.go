package urlsys

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/pipes"
)

// JSONSourceConfig is the config of the "json" source: Sesam's JSON pull
// protocol.
type JSONSourceConfig struct {
	System            string            `json:"system" doc:"the _id of the system:url the requests go through; without it, url is an absolute http(s):// URL and the system's defaults apply"`
	URL               string            `json:"url" cfg:"required" doc:"the JSON pull endpoint, such as another sluice's api/publishers/<pipe>/entities: put into the system's url_pattern, or resolved against its base_url"`
	Headers           map[string]string `json:"headers" doc:"request headers, over the system's"`
	SupportsSince     bool              `json:"supports_since" doc:"incremental: the stored offset goes out as the since parameter, and the entities' _updated values make the next one"`
	IsSinceComparable bool              `json:"is_since_comparable" doc:"with supports_since: the offset is the largest _updated seen, stored at the end of the run"`
	IsChronological   bool              `json:"is_chronological" doc:"with supports_since: entities come in _updated order, and each batch stores its last _updated, so a run that fails resumes where it got to"`
	PageSize          int               `json:"page_size" default:"no paging" doc:"ask for at most this many entities a request (the limit parameter), and for the next page after the last _updated until a page is empty; needs supports_since, is_chronological and is_since_comparable"`
	Subset            json.RawMessage   `json:"subset" type:"DTL expression" example:"[\"eq\", \"_S.category\", \"tank\"]" doc:"read only this subset: sent JSON-encoded as the subset parameter, for endpoints that support subsets"`
	IfSourceEmpty     string            `json:"if_source_empty" enum:"accept,fail" doc:"fail: a run from the start that gets no entities fails, so the sink deletes nothing"`
}

// Validate checks paging and the subset.
func (c *JSONSourceConfig) Validate() error {
	var errs []error
	switch {
	case c.PageSize < 0:
		errs = append(errs, &pipes.FieldError{Field: "page_size", Err: errors.New("page_size must be 1 or more")})
	case c.PageSize > 0 && !(c.SupportsSince && c.IsChronological && c.IsSinceComparable):
		errs = append(errs, &pipes.FieldError{Field: "page_size", Err: errors.New(`paging (page_size) needs "supports_since", "is_chronological" and "is_since_comparable" all true, as in Sesam`)})
	}
	if len(c.Subset) > 0 && c.Subset[0] != '[' {
		errs = append(errs, &pipes.FieldError{Field: "subset", Err: errors.New(`subset must be a DTL expression such as ["eq", "_S.category", "tank"]`)})
	}
	return errors.Join(errs...)
}

// SystemRef names the system, so the config loader can check it exists.
func (c *JSONSourceConfig) SystemRef() string { return c.System }

// SesamKeys lists the Sesam properties JSONSourceConfig accepts without
// effect.
func (*JSONSourceConfig) SesamKeys() []string { return []string{"supports_signalling"} }

// ConfigSecrets lists the credential headers and the credentials written
// into the URL.
func (c *JSONSourceConfig) ConfigSecrets() []string {
	return append(pipes.HeaderSecrets(c.Headers), pipes.URLSecrets(c.URL)...)
}

// JSONSourceSpec is the "json" source.
var JSONSourceSpec = component.Typed(component.KindSource, "json",
	"Reads entities by Sesam's JSON pull protocol: `GET <url>`, answered with a JSON array of entities, through a "+
		"[`system:url`](systems.md#systemurl). With `supports_since` the pipe's offset goes out as `?since=`, and the "+
		"entities' `_updated` values make the next offset (the largest, or with `is_chronological` each batch's last). "+
		"With `page_size` it asks for `limit` entities a request and follows with `since` set to the last `_updated` "+
		"until a page is empty. "+
		"Another sluice's publisher (`GET /api/publishers/<pipe>/entities`, an [`http_endpoint` sink](sinks.md#http_endpoint)) "+
		"answers a page at a time even without `page_size`: the source follows its `X-Dataset-Last-Offset` header "+
		"until a page is empty, so a run reads the whole dataset; its `X-Dataset-Populated` header counts for a sink's "+
		"`set_initial_offset`.\n\n"+
		"A page is parsed as it arrives, an entity at a time, and read to its end before its batches go on (so a slow "+
		"sink does not hold the server's answer), except that a page of more than 32 MiB streams. A page that is not "+
		"a JSON array of objects fails the run with the URL and the byte offset, line and column; only the complete "+
		"batches before the fault are written. Requests that fail to connect, or get 408, 429 or a 5xx, are retried (the system's "+
		"`retries`).",
	func() *JSONSourceConfig { return &JSONSourceConfig{IsSinceComparable: true, IfSourceEmpty: "accept"} },
	func(c *JSONSourceConfig, env component.Env) (component.Source, error) {
		sys, owned, err := systemFor(env, c.System)
		if err != nil {
			return nil, err
		}
		if _, err := sys.URL(c.URL); err != nil {
			if owned {
				sys.Close(context.Background())
			}
			return nil, err
		}
		return &jsonSource{cfg: c, sys: sys, owned: owned, populated: true}, nil
	}).
	WithExample(`{"type": "json", "system": "other-sluice", "url": "publishers/customers/entities", "supports_since": true, "is_chronological": true, "page_size": 10000}`)

type jsonSource struct {
	cfg       *JSONSourceConfig
	sys       *System
	owned     bool // a system of its own, closed with the source
	populated bool // the last page's X-Dataset-Populated
}

// SupportsSince: Sesam's chronological and max strategies both need
// supports_since.
func (s *jsonSource) SupportsSince() bool {
	return s.cfg.SupportsSince && (s.cfg.IsChronological || s.cfg.IsSinceComparable)
}

// Populated is what the server last said in X-Dataset-Populated (true
// when it says nothing).
func (s *jsonSource) Populated() bool { return s.populated }

// Close closes a system of the source's own.
func (s *jsonSource) Close(ctx context.Context) error {
	if s.owned {
		return s.sys.Close(ctx)
	}
	return nil
}

func (s *jsonSource) chronological() bool { return s.SupportsSince() && s.cfg.IsChronological }

// pull is one run's reading: where it is, and the batch being filled.
type pull struct {
	s          *jsonSource
	req        component.ReadRequest
	emit       func(component.Batch) error
	since      string // the offset the run started from
	last       string // chronological: the last _updated read
	highest    string // max strategy: the largest _updated read
	batch      []entity.Entity
	batchBytes int
	held       []component.Batch // complete batches not sent on yet
	heldBytes  int
	total      int
	pageURL    string
	pageItems  int
	emitErr    error // the pipe refused a batch
}

func (s *jsonSource) Read(ctx context.Context, req component.ReadRequest, emit func(component.Batch) error) error {
	p := &pull{s: s, req: req, emit: emit}
	if s.SupportsSince() {
		p.since, p.last, p.highest = req.Since, req.Since, req.Since
	}
	s.populated = true
	pageSince := p.since
	for {
		next, more, err := p.page(ctx, pageSince)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		if next == "" || (pageSince != "" && component.CompareSince(next, pageSince) <= 0) {
			return fmt.Errorf("GET %s: the next page would start at since=%q again: the server does not page by since", redactURL(p.pageURL), next)
		}
		pageSince = next
	}
	if p.total == 0 && p.since == "" && s.cfg.IfSourceEmpty == "fail" {
		return fmt.Errorf(`GET %s: no entities, and if_source_empty is "fail"`, redactURL(p.pageURL))
	}
	p.cut(true)
	return p.drain()
}

// page reads one page and says whether to ask for another, from next.
func (p *pull) page(ctx context.Context, since string) (next string, more bool, err error) {
	u, err := p.s.url(since)
	if err != nil {
		return "", false, err
	}
	p.pageURL, p.pageItems = u, 0
	resp, err := p.s.sys.DoRetry(ctx, func() (*http.Request, error) {
		req, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		for k, v := range p.s.cfg.Headers {
			req.Header.Set(k, v)
		}
		if req.Header.Get("Accept") == "" {
			req.Header.Set("Accept", "application/json")
		}
		return req, nil
	})
	if err != nil {
		return "", false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", false, fmt.Errorf("GET %s: %s: %s", redactURL(u), resp.Status, excerpt(resp.Body))
	}
	if v := resp.Header.Get("X-Dataset-Populated"); v != "" {
		p.s.populated = v != "false"
	}
	lastUpdated := ""
	n, err := readPage(resp.Body, func(e []byte) error {
		updated, err := p.add(e)
		lastUpdated = updated
		return err
	})
	if p.emitErr == nil {
		// The complete batches go on, even from a page that fails later.
		p.emitErr = p.drain()
	}
	var pe *PageError
	switch {
	case p.emitErr != nil:
		return "", false, p.emitErr // the pipe's, as it is
	case errors.As(err, &pe):
		return "", false, fmt.Errorf("GET %s: malformed JSON pull page at %w", redactURL(u), err)
	case err != nil:
		return "", false, fmt.Errorf("GET %s: reading the page (after %d entities): %w", redactURL(u), n, err)
	}
	lastOffset := resp.Header.Get("X-Dataset-Last-Offset")
	switch {
	case n == 0:
		return "", false, nil
	case p.s.cfg.PageSize > 0:
		return lastUpdated, true, nil
	case lastOffset != "":
		// Another sluice's publisher answers a page at a time.
		return lastOffset, true, nil
	}
	return "", false, nil
}

// url is the request's URL: the system's, with since, limit and subset.
func (s *jsonSource) url(since string) (string, error) {
	raw, err := s.sys.URL(s.cfg.URL)
	if err != nil {
		return "", err
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("url %q: %w", redactURL(raw), err)
	}
	q := u.Query()
	if since != "" {
		q.Set("since", since)
	}
	if s.cfg.PageSize > 0 {
		q.Set("limit", strconv.Itoa(s.cfg.PageSize))
	}
	if len(s.cfg.Subset) > 0 {
		q.Set("subset", string(s.cfg.Subset))
	}
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return u.String(), nil
}

// readAhead bounds the entity bytes a page holds back: a page is read to
// its end before its batches go on, so the server is not kept waiting on
// the pipe's sink (sluice's publisher cuts a response it cannot write
// within a minute), except that a page larger than this streams.
var readAhead = 32 << 20

// add takes one entity into the batch, setting the batch aside when it is
// full, and returns the entity's _updated as a token ("" without one).
func (p *pull) add(e []byte) (string, error) {
	updated, ok := sinceValue(gjson.GetBytes(e, "_updated"))
	if p.s.SupportsSince() || p.s.cfg.PageSize > 0 {
		if !ok {
			id, _ := entity.ID(e)
			return "", fmt.Errorf("item %d (_id %q) has no _updated that is a number or a string, which supports_since and page_size need", p.pageItems, id)
		}
		p.last = updated
		if p.highest == "" || component.CompareSince(updated, p.highest) > 0 {
			p.highest = updated
		}
	}
	p.pageItems++
	p.total++
	p.batch = append(p.batch, e)
	p.batchBytes += len(e)
	if len(p.batch) >= max(p.req.BatchSize, 1) {
		p.cut(false)
		if p.heldBytes > readAhead {
			p.emitErr = p.drain()
			return updated, p.emitErr
		}
	}
	return updated, nil
}

// cut sets the batch aside with its continuation token: each batch's last
// _updated when chronological, else the offset the run started from
// until the last batch, which carries the largest _updated read.
func (p *pull) cut(last bool) {
	token := ""
	switch {
	case !p.s.SupportsSince():
	case p.s.chronological():
		token = p.last
	case last:
		token = p.highest
	default:
		token = p.since
	}
	p.held = append(p.held, component.Batch{Entities: p.batch, Since: token})
	p.heldBytes += p.batchBytes
	p.batch, p.batchBytes = nil, 0
}

// drain sends the batches set aside on, in order.
func (p *pull) drain() error {
	for len(p.held) > 0 {
		b := p.held[0]
		p.held = p.held[1:]
		if err := p.emit(b); err != nil {
			return err
		}
	}
	p.held, p.heldBytes = nil, 0
	return nil
}

// sinceValue turns an _updated value into a continuation token: a number
// as written, a string as its text.
func sinceValue(v gjson.Result) (string, bool) {
	switch v.Type {
	case gjson.Number:
		return v.Raw, true
	case gjson.String:
		return v.Str, true
	}
	return "", false
}

// excerpt is the start of an answer's body, for error messages.
func excerpt(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, 300))
	s := strings.TrimSpace(strings.ToValidUTF8(string(b), "\uFFFD"))
	if s == "" {
		return "(no body)"
	}
	return s
}
