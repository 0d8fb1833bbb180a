package rest

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/sluice-sync/sluice/dtl"
	"github.com/sluice-sync/sluice/jinja"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// jsonEncode writes v as compact JSON without HTML escaping.
func jsonEncode(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// buildRequest renders an operation into a request: the URL (with params),
// headers and payload, using vars for the templates. It adds "url",
// "params" and "headers" to vars as it goes, as Sesam's templates see them.
//
// A next-page link, when given, replaces the operation's URL and params.
func (s *System) buildRequest(op *OperationConfig, vars map[string]any, payload any, sideEffects bool, link string) (*Request, error) {
	if op.PageSize != nil {
		vars["page_size"] = int64(*op.PageSize)
	}
	rel := link
	var err error
	if rel == "" {
		if rel, err = op.URL.Render(vars); err != nil {
			return nil, fmt.Errorf("url: %w", err)
		}
	}
	u := s.URL(rel)
	vars["url"] = u
	if len(op.Params) > 0 && link == "" {
		rendered, _, err := renderValue(op.Params, vars)
		if err != nil {
			return nil, fmt.Errorf("params: %w", err)
		}
		params := rendered.(map[string]any)
		vars["params"], vars["request_params"] = params, params
		q := url.Values{}
		keys := make([]string, 0, len(params))
		for k := range params {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, v := range asList(params[k]) {
				q.Add(k, scalarString(v))
			}
		}
		if len(q) > 0 {
			sep := "?"
			if strings.Contains(u, "?") {
				sep = "&"
			}
			u += sep + q.Encode()
		}
	}
	header := http.Header{}
	for k, v := range s.cfg.Headers {
		header.Set(k, v)
	}
	if len(op.Headers) > 0 {
		hs := make(map[string]any, len(op.Headers))
		for k, v := range op.Headers {
			hs[k] = v
		}
		rendered, _, err := renderValue(hs, vars)
		if err != nil {
			return nil, fmt.Errorf("headers: %w", err)
		}
		for k, v := range rendered.(map[string]any) {
			header.Set(k, scalarString(v))
		}
	}
	vars["headers"] = headerMap(header)
	var body []byte
	if raw, ok := payload.(entityPayload); ok {
		if body, err = raw.encode(op.PayloadType, header); err != nil {
			return nil, fmt.Errorf("payload: %w", err)
		}
	} else if payload != nil {
		rendered, skip, err := renderValue(payload, vars)
		if err != nil {
			return nil, fmt.Errorf("payload: %w", err)
		}
		if !skip {
			body, err = encodePayload(op.PayloadType, rendered, header)
			if err != nil {
				return nil, fmt.Errorf("payload: %w", err)
			}
		}
	}
	req := &Request{Method: op.Method, URL: u, Header: header, Body: body, SideEffects: sideEffects,
		rateRetries: s.cfg.RateLimitingRetries, rateDelay: seconds(s.cfg.RateLimitingDelay)}
	if op.RateLimitingRetries != nil {
		req.rateRetries = *op.RateLimitingRetries
	}
	if op.RateLimitingDelay != nil {
		req.rateDelay = seconds(*op.RateLimitingDelay)
	}
	return req, nil
}

// entityPayload is an entity's own "payload" member as transit-encoded
// JSON. It is data, not a template (only configured payloads are), and
// usually goes out as it came in.
type entityPayload []byte

func (p entityPayload) encode(payloadType string, header http.Header) ([]byte, error) {
	switch payloadType {
	case PayloadJSONTransit:
		if header.Get("Content-Type") == "" {
			header.Set("Content-Type", "application/json")
		}
		return p, nil
	case "", PayloadJSON:
		if !bytes.Contains(p, []byte(`"~`)) { // nothing transit-encoded: the bytes are the JSON
			if header.Get("Content-Type") == "" {
				header.Set("Content-Type", "application/json")
			}
			return p, nil
		}
	}
	v, err := dtl.DecodeJSON(p)
	if err != nil {
		return nil, err
	}
	return encodePayload(payloadType, jinja.Plain(v), header)
}

// encodePayload writes a payload as its payload-type says, and sets the
// Content-Type unless the headers already do.
func encodePayload(payloadType string, v any, header http.Header) ([]byte, error) {
	setType := func(t string) {
		if header.Get("Content-Type") == "" {
			header.Set("Content-Type", t)
		}
	}
	switch payloadType {
	case PayloadForm:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf(`a "form" payload must be an object of form fields, got %T`, v)
		}
		form := url.Values{}
		for k, x := range m {
			for _, e := range asList(x) {
				form.Add(k, scalarString(e))
			}
		}
		setType("application/x-www-form-urlencoded")
		return []byte(form.Encode()), nil
	case PayloadMultipartForm:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf(`a "multipart-form" payload must be an object of form fields, got %T`, v)
		}
		return multipartForm(m, header)
	case PayloadText:
		switch x := v.(type) {
		case string:
			setType("text/plain; charset=utf-8")
			return []byte(x), nil
		}
		setType("text/plain; charset=utf-8")
		return jsonEncode(v)
	case PayloadJSONTransit:
		setType("application/json")
		return jsonEncode(transitStrings(v))
	default: // json: configured payloads are plain JSON already
		setType("application/json")
		return jsonEncode(v)
	}
}

func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

// scalarString renders a param, header or form value.
func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	case map[string]any, []any:
		b, _ := jsonEncode(x)
		return string(b)
	}
	return fmt.Sprint(v)
}

func headerMap(h http.Header) map[string]any {
	m := make(map[string]any, len(h))
	for k, v := range h {
		m[k] = strings.Join(v, ", ")
	}
	return m
}

// statusError is a response status the operation does not allow.
type statusError struct {
	req    *Request
	status int
	body   []byte
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s %s answered %d: %s", e.req.Method, redactURL(e.req.URL), e.status, excerpt(e.body))
}

// checkStatus sorts a response: allowed (the operation's
// allowed_status_codes, by default 2xx), ignored (ignored_status_codes:
// no error, but nothing to use), or an error.
func checkStatus(op *OperationConfig, req *Request, resp *Response) (ignored bool, err error) {
	switch {
	case op.IgnoredStatusCodes.set && op.IgnoredStatusCodes.Has(resp.Status):
		return true, nil
	case op.AllowedStatusCodes.set && op.AllowedStatusCodes.Has(resp.Status):
		return false, nil
	case !op.AllowedStatusCodes.set && resp.Status >= 200 && resp.Status < 300:
		return false, nil
	}
	return false, &statusError{req: req, status: resp.Status, body: resp.Body}
}
