package torture

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
)

// service is a running `sluice run`.
type service struct {
	p   *proc
	url string
}

// startTimeout bounds how long `sluice run` may take to serve, recovery of
// a killed data folder included.
const startTimeout = time.Minute

// startService starts `sluice run` on a free loopback port and waits until
// it says where it serves.
func (e *env) startService(cfg, data string) (*service, error) {
	p, err := e.procs.start(e.bin, e.tmp, "run", "--config", cfg, "--data", data, "--addr", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	deadline := time.NewTimer(startTimeout)
	defer deadline.Stop()
	for {
		if line, ok := servingLine(p.stderr.String()); ok {
			return &service{p: p, url: line}, nil
		}
		select {
		case <-p.stderr.changed:
		case <-p.done:
			if line, ok := servingLine(p.stderr.String()); ok {
				return nil, fmt.Errorf("sluice run said it serves on %s, then ended: %v\n%s", line, p.err, p.stderr.tail(4000))
			}
			return nil, fmt.Errorf("sluice run ended before serving: %v\n%s", p.err, p.stderr.tail(4000))
		case <-deadline.C:
			p.kill()
			return nil, fmt.Errorf("sluice run did not serve within %v\n%s", startTimeout, p.stderr.tail(4000))
		case <-e.ctx.Done():
			p.kill()
			return nil, errCancelled
		}
	}
}

// servingLine finds the URL in "sluice: serving on http://ADDR (...)".
func servingLine(stderr string) (string, bool) {
	i := strings.Index(stderr, "serving on http://")
	if i < 0 {
		return "", false
	}
	rest := stderr[i+len("serving on "):]
	if !strings.Contains(rest, "\n") {
		return "", false
	}
	return strings.Fields(rest)[0], true
}

// getJSON reads a JSON answer of the service into v.
func (e *env) getJSON(url string, v any) (int, error) {
	req, err := http.NewRequestWithContext(e.ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := e.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 2000))
		return resp.StatusCode, fmt.Errorf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return resp.StatusCode, fmt.Errorf("GET %s: %w", url, err)
	}
	return resp.StatusCode, nil
}

// openHint explains a failure to open a killed data folder that has been
// diagnosed: Badger refuses, once, an empty value log or memtable log file
// that the kill left behind (between creating it and sizing it); the open
// after that succeeds.
func openHint(stderr string) string {
	if strings.Contains(stderr, "Create a new file") {
		return "\n  (an empty value log or memtable log file: the kill came between Badger creating it and sizing it; this open refuses it, the next one succeeds)"
	}
	return ""
}

// pageSize is the limit of each page read with since/limit.
const pageSize = 5000

// readVersions reads a dataset through the API a page at a time, each page
// starting after the last offset of the one before.
func (e *env) readVersions(base, dataset string, history bool) ([]storedVersion, error) {
	var all []storedVersion
	since := int64(-1)
	for {
		url := fmt.Sprintf("%s/api/datasets/%s/entities?history=%t&limit=%d&since=%d", base, dataset, history, pageSize, since)
		var page []storedVersion
		if err := e.getStrict(url, &page); err != nil {
			return all, err
		}
		all = append(all, page...)
		if len(page) < pageSize {
			return all, nil
		}
		last := page[len(page)-1].Updated
		if last == nil || *last <= since {
			return all, fmt.Errorf("GET %s: paging does not move on (last _updated %v)", url, last)
		}
		since = *last
	}
}

// getStrict is getJSON refusing unknown properties.
func (e *env) getStrict(url string, v any) error {
	req, err := http.NewRequestWithContext(e.ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := e.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	// json v2: several times faster than encoding/json on the big pages.
	if err := jsonv2.UnmarshalRead(resp.Body, v, jsonv2.RejectUnknownMembers(true)); err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	return nil
}
