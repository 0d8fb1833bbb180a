package rest

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/sluice-sync/sluice/dtl"
	"github.com/sluice-sync/sluice/jinja"
)

// maxPages guards against a server that never ends a paginated answer.
const maxPages = 100_000

// defaultTermination is Sesam's default next_page_termination_strategy.
var defaultTermination = []string{TerminateLinkEmpty, TerminateSameNextRequest, TerminateSameResponse}

// page is one page of an operation's answer: the value at payload_property
// (or the whole body), and the response.
type page struct {
	result dtl.Value
	resp   *Response
}

// run runs an operation and follows next_page_link until a termination
// strategy says stop, calling each for every page. ignored reports an
// answer in ignored_status_codes (no page is delivered then).
func (e *endpoint) run(ctx context.Context, op *OperationConfig, vars map[string]any, payload any, sideEffects bool, each func(page) error) (ignored bool, err error) {
	strategies := []string(op.NextPageTerminationStrategy)
	if len(strategies) == 0 {
		strategies = defaultTermination
	}
	stopOn := func(s string) bool { return contains(strategies, s) }
	var link, prevLink, prevKey string
	var prevBody []byte
	for n := 0; n < maxPages; n++ {
		req, err := e.sys.buildRequest(op, vars, payload, sideEffects, link)
		if err != nil {
			return false, err
		}
		key := req.Method + " " + req.URL + "\n" + fmt.Sprint(req.Header) + "\n" + string(req.Body)
		if n > 0 && stopOn(TerminateSameNextRequest) && key == prevKey {
			return false, nil
		}
		prevKey = key
		resp, err := e.do(ctx, req)
		if err != nil {
			return false, err
		}
		if ign, err := checkStatus(op, req, resp); err != nil || ign {
			return ign, err
		}
		if n > 0 && stopOn(TerminateSameResponse) && bytes.Equal(resp.Body, prevBody) {
			return false, nil
		}
		prevBody = resp.Body
		var body dtl.Value
		if resp.HasJSON {
			if body, err = dtl.DecodeJSON(resp.Body); err != nil {
				return false, fmt.Errorf("%s %s answered %d with a body that is not valid JSON: %w (%s)", req.Method, redactURL(req.URL), resp.Status, err, excerpt(resp.Body))
			}
		} else if len(resp.Body) > 0 {
			body = string(resp.Body)
		}
		result := walkPath(body, op.PayloadProperty)
		if stopOn(TerminateEmptyResult) && n > 0 && isEmpty(result) {
			return false, nil
		}
		if err := each(page{result: result, resp: resp}); err != nil {
			return false, err
		}
		if !op.NextPageLink.IsSet() {
			return false, nil
		}
		if stopOn(TerminateEmptyResult) && isEmpty(result) {
			return false, nil
		}
		if stopOn(TerminateNotFullPage) && op.PageSize != nil && resultCount(result) < *op.PageSize {
			return false, nil
		}
		bodyVar := jinja.Plain(body)
		vars["body"], vars["response_headers"], vars["request_headers"] = bodyVar, headerMap(resp.Header), headerMap(req.Header)
		next, err := op.NextPageLink.Render(vars)
		if err != nil {
			return false, fmt.Errorf("next_page_link: %w", err)
		}
		if next == "" && stopOn(TerminateLinkEmpty) {
			return false, nil
		}
		if next == prevLink && n > 0 && stopOn(TerminateSameLink) {
			return false, nil
		}
		if next == "" {
			return false, errors.New("next_page_link rendered empty and no termination strategy stops on that")
		}
		vars["previous_body"], vars["previous_headers"], vars["previous_request_headers"] = bodyVar, headerMap(resp.Header), headerMap(req.Header)
		vars["previous_params"] = vars["params"]
		prevLink, link = next, next
	}
	return false, fmt.Errorf("more than %d pages; check next_page_link and next_page_termination_strategy", maxPages)
}

// resultCount is how many entities a page's result holds.
func resultCount(v dtl.Value) int {
	switch x := v.(type) {
	case nil:
		return 0
	case dtl.List:
		return len(x)
	}
	return 1
}

func isEmpty(v dtl.Value) bool {
	switch x := v.(type) {
	case nil:
		return true
	case dtl.List:
		return len(x) == 0
	case *dtl.Dict:
		return x.Len() == 0
	case string:
		return x == ""
	}
	return false
}
