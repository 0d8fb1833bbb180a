package urlsys

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/dtl"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/pipes"
)

// HTTPTransformConfig is the config of the "http" transform: batches of
// entities POSTed to a service, which answers with the entities they
// become.
type HTTPTransformConfig struct {
	System      string            `json:"system" doc:"the system:url that url goes through; without it, url is an absolute http(s):// URL"`
	URL         string            `json:"url" cfg:"required" doc:"where the entities are POSTed, resolved by the system"`
	BatchSize   int               `json:"batch_size" doc:"the most entities POSTed in one request; more are split across requests"`
	Headers     map[string]string `json:"headers" doc:"sent with every request, besides (and over) the system's"`
	SideEffects bool              `json:"side_effects" doc:"the service changes things: a dry run shows the requests instead of sending them, and a failed request is not sent again; false: requests are sent in dry runs too, and retried as the system's retries say"`
	TriggerOn   *dtl.Trigger      `json:"trigger_on" type:"object with \"key\" and \"value\"" doc:"only entities whose value at key (a path, default _trigger) matches value (* wildcards for strings) are sent; the rest pass through unchanged"`
}

// Validate checks the batch size.
func (c *HTTPTransformConfig) Validate() error {
	if c.BatchSize < 1 {
		return &pipes.FieldError{Field: "batch_size", Err: fmt.Errorf("batch_size must be at least 1, not %d", c.BatchSize)}
	}
	return nil
}

// maxTransformAnswer caps the answer to one request, which is held in
// memory to be split into entities.
const maxTransformAnswer = 256 << 20

// HTTPTransformSpec is the "http" transform.
var HTTPTransformSpec = component.Typed(component.KindTransform, "http",
	"Sends the entities to an HTTP service, `batch_size` at a time, as a JSON array in a `POST` through a "+
		"[`system:url`](systems.md#systemurl); the service answers 2xx with a JSON array of the entities they "+
		"become — any number of them, so it may change, drop or add entities. Any other answer fails the run, "+
		"naming the URL, the status and the start of the body. Entities that `trigger_on` leaves out pass "+
		"through unchanged, in their place; what an answer holds takes the place of the last entity sent in "+
		"its request. (The [`rest` transform](#rest) does the same one entity at a time with templates.)",
	func() *HTTPTransformConfig { return &HTTPTransformConfig{BatchSize: 100, SideEffects: true} },
	func(c *HTTPTransformConfig, env component.Env) (component.Transform, error) {
		sys, owned, err := systemFor(env, c.System)
		if err != nil {
			return nil, err
		}
		u, err := sys.URL(c.URL)
		if err != nil {
			if owned {
				sys.Close(context.Background())
			}
			return nil, err
		}
		return &httpTransform{cfg: c, sys: sys, ownSys: owned, url: u}, nil
	}).
	WithExample(`{
  "type": "http",
  "system": "transforms",
  "url": "deduplicate",
  "batch_size": 50,
  "headers": {"X-Caller": "sluice"},
  "trigger_on": {"key": "status", "value": "new*"}
}`)

type httpTransform struct {
	cfg    *HTTPTransformConfig
	sys    *System
	ownSys bool
	url    string
}

// Close closes the system the transform made for itself.
func (t *httpTransform) Close(ctx context.Context) error {
	if t.ownSys {
		return t.sys.Close(ctx)
	}
	return nil
}

func (t *httpTransform) Transform(ctx context.Context, in []entity.Entity) ([]entity.Entity, error) {
	send := make([]bool, len(in))
	var sent []int // indexes of the entities sent
	for i, e := range in {
		if t.cfg.TriggerOn != nil {
			d, err := dtl.DecodeEntity(e)
			if err != nil {
				return nil, err
			}
			if !t.cfg.TriggerOn.Matches(d) {
				continue
			}
		}
		send[i] = true
		sent = append(sent, i)
	}
	// The answer to each request, by the index of its last entity.
	answers := map[int][]entity.Entity{}
	for start := 0; start < len(sent); start += t.cfg.BatchSize {
		idx := sent[start:min(start+t.cfg.BatchSize, len(sent))]
		batch := make([]entity.Entity, len(idx))
		for i, j := range idx {
			batch[i] = in[j]
		}
		out, err := t.post(ctx, batch)
		if err != nil {
			return nil, err
		}
		answers[idx[len(idx)-1]] = out
	}
	out := make([]entity.Entity, 0, len(in))
	for i, e := range in {
		switch {
		case !send[i]:
			out = append(out, e)
		default:
			out = append(out, answers[i]...)
		}
	}
	return out, nil
}

// post sends one batch and returns the entities of the answer. In a dry
// run, a request with side effects is shown instead, and the batch goes on
// as it was.
func (t *httpTransform) post(ctx context.Context, batch []entity.Entity) ([]entity.Entity, error) {
	name := redactURL(t.url)
	if show, dry := component.DryRun(ctx); dry && t.cfg.SideEffects {
		show(fmt.Sprintf("http transform: would POST %d entities to %s", len(batch), name))
		return batch, nil
	}
	body := make([]byte, 0, 64<<10)
	body = append(body, '[')
	for i, e := range batch {
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, e...)
	}
	body = append(body, ']')
	newReq := func() (*http.Request, error) {
		req, err := http.NewRequest(http.MethodPost, t.url, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		for k, v := range t.cfg.Headers {
			req.Header.Set(k, v)
		}
		return req, nil
	}
	var resp *http.Response
	var err error
	if t.cfg.SideEffects { // not safe to repeat
		var req *http.Request
		if req, err = newReq(); err == nil {
			resp, err = t.sys.Do(ctx, req)
		}
	} else {
		resp, err = t.sys.DoRetry(ctx, newReq)
	}
	if err != nil {
		return nil, fmt.Errorf("http transform: POST %s: %w", name, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxTransformAnswer+1))
	if err != nil {
		return nil, fmt.Errorf("http transform: POST %s: reading the answer: %w", name, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("http transform: POST %s: %s: %s", name, resp.Status, answerExcerpt(answer))
	}
	if len(answer) > maxTransformAnswer {
		return nil, fmt.Errorf("http transform: POST %s: the answer is larger than %d MiB", name, maxTransformAnswer>>20)
	}
	out, err := entitiesOf(answer)
	if err != nil {
		return nil, fmt.Errorf("http transform: POST %s: the answer (%s) %w", name, resp.Header.Get("Content-Type"), err)
	}
	return out, nil
}

// entitiesOf splits a JSON array of objects into entities.
func entitiesOf(answer []byte) ([]entity.Entity, error) {
	if !gjson.ValidBytes(answer) {
		return nil, fmt.Errorf("is not JSON: %s", answerExcerpt(answer))
	}
	v := gjson.ParseBytes(answer)
	if !v.IsArray() {
		return nil, fmt.Errorf("is not a JSON array of entities: %s", answerExcerpt(answer))
	}
	var out []entity.Entity
	var bad error
	v.ForEach(func(_, item gjson.Result) bool {
		if !item.IsObject() {
			bad = fmt.Errorf("holds %s at item %d, not an entity (an object)", answerExcerpt([]byte(item.Raw)), len(out))
			return false
		}
		out = append(out, entity.Entity(item.Raw))
		return true
	})
	if bad != nil {
		return nil, bad
	}
	return out, nil
}

// answerExcerpt is the start of a body, for messages.
func answerExcerpt(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
