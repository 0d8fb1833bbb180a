package rest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/internal/testkit"
)

// shown collects what a dry run shows.
type shown struct {
	mu    sync.Mutex
	lines []string
}

func (s *shown) show(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines = append(s.lines, line)
}

func (s *shown) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.lines, "\n---\n")
}

func (s *shown) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.lines)
}

const dryOps = `{"url_pattern": "$URL/api/%s",
  "headers": {"Authorization": "Bearer top-secret", "Cookie": "session=also-secret", "X-Tenant": "acme"},
  "operations": {
    "lookup": {"url": "things/{{ _id }}", "method": "GET"},
    "create": {"url": "things", "method": "POST", "headers": {"X-Op": "{{ _id }}"}, "payload": {"id": "{{ _id }}", "n": "{{ entity.n }}sesam:markjson"}},
    "remove": {"url": "things/{{ _id }}", "method": "DELETE"}
  }}`

func TestDryRunTransform(t *testing.T) {
	api := echoAPI(t)
	sys := newSystem(t, subst(dryOps, api.URL))
	var out shown
	ctx := component.WithDryRun(context.Background(), out.show)

	for _, c := range []struct {
		cfg  string
		sent bool
	}{
		{`{"system": "api", "operation": "lookup"}`, true},
		{`{"system": "api", "operation": "lookup", "side_effects": true}`, false},
		{`{"system": "api", "operation": "create"}`, false},
		{`{"system": "api", "operation": "create", "side_effects": false}`, true},
		{`{"system": "api", "operation": "remove"}`, false},
	} {
		before, shownBefore := api.Count(), out.count()
		tr := mustTransform(t, sys, c.cfg)
		in := `{"_id": "e1", "n": 7}`
		res, err := tr.Transform(ctx, entities(in))
		if err != nil {
			t.Fatalf("%s: %v", c.cfg, err)
		}
		sent := api.Count() > before
		if sent != c.sent {
			t.Errorf("%s: sent %v, want %v", c.cfg, sent, c.sent)
		}
		if sent {
			if out.count() != shownBefore {
				t.Errorf("%s: a sent request was shown too", c.cfg)
			}
			if !strings.Contains(string(res[0]), `"response"`) {
				t.Errorf("%s: a sent request's answer was not added: %s", c.cfg, res[0])
			}
		} else {
			if out.count() != shownBefore+1 {
				t.Errorf("%s: %d lines shown", c.cfg, out.count()-shownBefore)
			}
			if string(res[0]) != in {
				t.Errorf("%s: an entity whose request was not sent changed: %s", c.cfg, res[0])
			}
		}
	}
	got := out.String()
	mustContain(t, "shown", got,
		"GET "+api.URL+"/api/things/e1\n",
		"POST "+api.URL+"/api/things\n",
		"DELETE "+api.URL+"/api/things/e1\n",
		"  Authorization: ***\n",
		"  Cookie: ***\n",
		"  Content-Type: application/json\n",
		"  X-Op: e1\n",
		"  X-Tenant: acme",
		`  {"id":"e1","n":7}`)
	for _, secret := range []string{"top-secret", "also-secret"} {
		if strings.Contains(got, secret) {
			t.Errorf("the dry run shows %q:\n%s", secret, got)
		}
	}
}

func TestDryRunSink(t *testing.T) {
	api := echoAPI(t)
	sys := newSystem(t, subst(dryOps, api.URL))
	var out shown
	ctx := component.WithDryRun(context.Background(), out.show)
	s := mustSink(t, sys, `{"system": "api", "operation": "create", "delete_operation": "remove"}`)
	stats, err := s.Write(ctx, entities(`{"_id": "a", "n": 1}`, `{"_id": "b", "_deleted": true}`))
	if err != nil {
		t.Fatal(err)
	}
	if api.Count() != 0 {
		t.Errorf("a dry run sent %d requests", api.Count())
	}
	if stats.Written != 0 || stats.Deleted != 0 {
		t.Errorf("a dry run counted writes: %+v", stats)
	}
	if out.count() != 2 {
		t.Errorf("%d requests shown:\n%s", out.count(), out.String())
	}
	mustContain(t, "shown", out.String(), "POST "+api.URL+"/api/things", `{"id":"a","n":1}`, "DELETE "+api.URL+"/api/things/b")

	// Several workers show every request too.
	var out4 shown
	s = mustSink(t, sys, `{"system": "api", "operation": "create", "workers": 4}`)
	if _, err := s.Write(component.WithDryRun(context.Background(), out4.show), entities(`{"_id": "a", "n": 1}`, `{"_id": "b", "n": 2}`, `{"_id": "c", "n": 3}`)); err != nil {
		t.Fatal(err)
	}
	if out4.count() != 3 || api.Count() != 0 {
		t.Errorf("workers 4: %d shown, %d sent", out4.count(), api.Count())
	}
}

func TestDryRunSourceReads(t *testing.T) {
	api := testkit.NewAPI(t, nil)
	sys := newSystem(t, subst(`{"url_pattern": "$URL/%s", "operations": {"list": {"url": "x", "method": "GET"}, "search": {"url": "search", "method": "POST", "payload": {"q": 1}}}}`, api.URL))
	var out shown
	ctx := component.WithDryRun(context.Background(), out.show)
	src := mustSource(t, sys, `{"system": "api", "operation": "list", "id_expression": "x"}`)
	err := src.Read(ctx, component.ReadRequest{BatchSize: 10}, func(component.Batch) error { return nil })
	if err != nil || api.Count() != 1 || out.count() != 0 {
		t.Errorf("a GET source in a dry run: err %v, %d sent, %d shown", err, api.Count(), out.count())
	}
	// A source's requests are reads, whatever their method.
	src = mustSource(t, sys, `{"system": "api", "operation": "search", "id_expression": "x"}`)
	err = src.Read(ctx, component.ReadRequest{BatchSize: 10}, func(component.Batch) error { return nil })
	if err != nil || api.Count() != 2 || out.count() != 0 {
		t.Errorf("a POST source in a dry run: err %v, %d sent, %d shown", err, api.Count(), out.count())
	}
}

func TestDryRunDo(t *testing.T) {
	api := testkit.NewAPI(t, nil)
	sys := newSystem(t, subst(`{"url_pattern": "$URL/%s"}`, api.URL))
	var out shown
	ctx := component.WithDryRun(context.Background(), out.show)
	_, err := sys.Do(ctx, &Request{Method: "PATCH", URL: api.URL + "/x", Body: []byte("b"), SideEffects: true})
	if !errors.Is(err, ErrDryRun) || api.Count() != 0 || out.String() != "PATCH "+api.URL+"/x\n  b" {
		t.Errorf("err %v, sent %d, shown %q", err, api.Count(), out.String())
	}
	if _, err := sys.Do(ctx, &Request{Method: "GET", URL: api.URL + "/y"}); err != nil || api.Count() != 1 {
		t.Errorf("a request without side effects: err %v, sent %d", err, api.Count())
	}
}
