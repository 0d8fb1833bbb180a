package rest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/sluice-sync/sluice/builtin"
	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
)

// acme is a minimal in-test version of examples/webhooks/fakeapi: the four
// webhook operations, a request log and injected failures.
type acme struct {
	*testkit.API
	mu     sync.Mutex
	hooks  map[int]hook
	nextID int
	log    []string // "METHOD /path status"
	fail   map[string]int
}

type hook struct {
	ID      int    `json:"id"`
	Address string `json:"address"`
	Topic   string `json:"topic"`
}

func newAcme(t *testing.T) *acme {
	a := &acme{hooks: map[int]hook{}, nextID: 1, fail: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /webhooks", func(w http.ResponseWriter, r *http.Request) {
		list := []hook{}
		for _, h := range a.hooks {
			list = append(list, h)
		}
		slices.SortFunc(list, func(x, y hook) int { return x.ID - y.ID })
		a.reply(w, r, 200, map[string]any{"values": list})
	})
	mux.HandleFunc("POST /webhooks", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Webhook *hook `json:"webhook"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Webhook == nil || body.Webhook.Address == "" || body.Webhook.Topic == "" {
			a.reply(w, r, 400, map[string]any{"error": "bad body"})
			return
		}
		h := hook{ID: a.nextID, Address: body.Webhook.Address, Topic: body.Webhook.Topic}
		a.hooks[h.ID] = h
		a.nextID++
		a.reply(w, r, 201, map[string]any{"value": h})
	})
	mux.HandleFunc("GET /webhooks/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.Atoi(r.PathValue("id"))
		if h, ok := a.hooks[id]; ok {
			a.reply(w, r, 200, map[string]any{"value": h})
			return
		}
		a.reply(w, r, 404, map[string]any{"error": "not found"})
	})
	mux.HandleFunc("DELETE /webhooks/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.Atoi(r.PathValue("id"))
		if _, ok := a.hooks[id]; !ok {
			a.reply(w, r, 404, map[string]any{"error": "not found"})
			return
		}
		delete(a.hooks, id)
		a.reply(w, r, 204, nil)
	})
	a.API = testkit.NewAPI(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		a.mu.Lock()
		defer a.mu.Unlock()
		if status, ok := a.fail[r.Method+" "+r.URL.Path]; ok {
			delete(a.fail, r.Method+" "+r.URL.Path)
			a.reply(w, r, status, map[string]any{"error": fmt.Sprintf("injected failure: %d %s", status, http.StatusText(status))})
			return
		}
		mux.ServeHTTP(w, r)
	})
	return a
}

// reply answers and logs; the caller holds a.mu.
func (a *acme) reply(w http.ResponseWriter, r *http.Request, status int, v any) {
	a.log = append(a.log, fmt.Sprintf("%s %s %d", r.Method, r.URL.Path, status))
	if v == nil {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// requests returns the requests logged since the last call.
func (a *acme) requests() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := a.log
	a.log = nil
	return out
}

func (a *acme) add(address, topic string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	h := hook{ID: a.nextID, Address: address, Topic: topic}
	a.hooks[h.ID] = h
	a.nextID++
	return h.ID
}

func (a *acme) remove(id int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.hooks, id)
}

func (a *acme) addresses() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for id, h := range a.hooks {
		out = append(out, fmt.Sprintf("%d=%s", id, h.Address))
	}
	slices.Sort(out)
	return out
}

func (a *acme) failNext(method, path string, status int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.fail[method+" "+path] = status
}

const serviceURL = "http://127.0.0.1:8080/api"

// loadWebhooks loads examples/webhooks against the fake and opens a store.
func loadWebhooks(t *testing.T, ctx context.Context, api *acme) (*engine.Engine, *store.Store) {
	t.Helper()
	t.Setenv("acme_url", api.URL)
	t.Setenv("service_url", serviceURL)
	reg := builtin.Registry()
	cfg, err := pipes.Load(filepath.Join("..", "examples", "webhooks"), pipes.Options{Types: reg})
	if err != nil {
		t.Fatal(err)
	}
	st := testkit.OpenStore(t)
	eng, err := engine.New(ctx, cfg, st, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return eng, st
}

// current returns the live entities of a dataset by _id.
func current(t *testing.T, st *store.Store, ds string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	err := st.Scan(ds, store.ReadOptions{}, func(_ uint64, e []byte) error {
		var m map[string]any
		if err := json.Unmarshal(e, &m); err != nil {
			return err
		}
		id, _ := entity.ID(e)
		out[id] = m
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func versions(t *testing.T, st *store.Store, ds string) int {
	t.Helper()
	n := 0
	if err := st.Scan(ds, store.ReadOptions{History: true}, func(uint64, []byte) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func run(t *testing.T, ctx context.Context, eng *engine.Engine, pipe string, full bool) engine.Summary {
	t.Helper()
	sum, err := eng.Run(ctx, pipe, engine.RunOptions{Full: full})
	if err != nil {
		t.Fatalf("run %s (full %v): %v", pipe, full, err)
	}
	return sum
}

func expectRequests(t *testing.T, step string, api *acme, want ...string) {
	t.Helper()
	got := api.requests()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s: acme got\n  %s\nwant\n  %s", step, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestWebhooksExample(t *testing.T) {
	ctx := context.Background()
	api := newAcme(t)
	eng, st := loadWebhooks(t, ctx, api)
	const reg = "acme-order-registerwebhook"
	address := serviceURL + "/receivers/acme-order-event/entities"

	// Register: one insert.
	sum := run(t, ctx, eng, reg, false)
	expectRequests(t, "register", api, "POST /webhooks 201")
	if sum.Read != 1 || sum.Written != 1 {
		t.Errorf("register: %+v", sum)
	}
	if got := api.addresses(); strings.Join(got, " ") != "1="+address {
		t.Errorf("acme has %v", got)
	}
	e := current(t, st, reg)["order-create"]
	if e == nil {
		t.Fatalf("no order-create in %s", reg)
	}
	resp, _ := e["insert_response"].(map[string]any)
	value, _ := resp["value"].(map[string]any)
	if value["id"] != float64(1) || value["address"] != address || e["insert_status_code"] != float64(201) {
		t.Errorf("stored entity %v", e)
	}

	// A plain rerun reads nothing and calls nothing.
	sum = run(t, ctx, eng, reg, false)
	expectRequests(t, "rerun", api)
	if sum.Read != 0 || sum.Written != 0 {
		t.Errorf("rerun: %+v", sum)
	}

	// A full run looks the webhook up and inserts nothing.
	sum = run(t, ctx, eng, reg, true)
	expectRequests(t, "full", api, "GET /webhooks/1 200")
	if sum.Read != 1 || sum.Written != 0 {
		t.Errorf("full: %+v", sum)
	}

	// Lost at acme: a dry run shows the insert and sends only the lookup.
	api.remove(1)
	before := versions(t, st, reg)
	var shown []string
	dry := component.WithDryRun(ctx, func(line string) { shown = append(shown, line) })
	if _, err := eng.Run(dry, reg, engine.RunOptions{Full: true}); err != nil {
		t.Fatal(err)
	}
	expectRequests(t, "dry run", api, "GET /webhooks/1 404")
	if len(shown) != 1 || !strings.HasPrefix(shown[0], "POST "+api.URL+"/webhooks\n") || !strings.Contains(shown[0], `"address":"`+address+`"`) || !strings.Contains(shown[0], "Content-Type: application/json") {
		t.Errorf("dry run showed %q", shown)
	}
	if versions(t, st, reg) != before || len(api.addresses()) != 0 {
		t.Error("the dry run changed something")
	}

	// The real full run inserts it again.
	sum = run(t, ctx, eng, reg, true)
	expectRequests(t, "full after loss", api, "GET /webhooks/1 404", "POST /webhooks 201")
	if sum.Written != 1 {
		t.Errorf("full after loss: %+v", sum)
	}
	if got := api.addresses(); strings.Join(got, " ") != "2="+address {
		t.Errorf("acme has %v", got)
	}
	if v := current(t, st, reg)["order-create"]["insert_response"].(map[string]any)["value"].(map[string]any); v["id"] != float64(2) {
		t.Errorf("stored insert_response %v", v)
	}

	// Collect and wipe: only this service's webhooks go.
	api.add("https://other.example/hook", "order/create")
	api.add("https://other.example/hook", "customer/update")
	sum = run(t, ctx, eng, "acme-webhook-collect", false)
	expectRequests(t, "collect", api, "GET /webhooks 200")
	collected := current(t, st, "acme-webhook-collect")
	if sum.Written != 3 || len(collected) != 3 || collected["2"]["address"] != address || collected["3"]["topic"] != "order/create" {
		t.Errorf("collect: %+v, %v", sum, collected)
	}
	run(t, ctx, eng, "acme-webhook-wipe", false)
	expectRequests(t, "wipe", api, "DELETE /webhooks/2 204")
	if got := api.addresses(); strings.Join(got, " ") != "3=https://other.example/hook 4=https://other.example/hook" {
		t.Errorf("acme has %v after the wipe", got)
	}
	wiped := current(t, st, "acme-webhook-wipe")
	if len(wiped) != 1 || wiped["2"]["status_code"] != float64(204) {
		t.Errorf("wipe dataset %v", wiped)
	}

	// Collecting again marks the wiped webhook deleted.
	run(t, ctx, eng, "acme-webhook-collect", false)
	expectRequests(t, "collect again", api, "GET /webhooks 200")
	if e := current(t, st, "acme-webhook-collect")["2"]; e["_deleted"] != true {
		t.Errorf("webhook 2 after collecting again: %v", e)
	}
}

func TestWebhooksInsertFailure(t *testing.T) {
	ctx := context.Background()
	api := newAcme(t)
	eng, st := loadWebhooks(t, ctx, api)
	const reg = "acme-order-registerwebhook"

	api.failNext("POST", "/webhooks", 500)
	sum, err := eng.Run(ctx, reg, engine.RunOptions{})
	if err == nil {
		t.Fatal("the run passed")
	}
	expectRequests(t, "failing run", api, "POST /webhooks 500")
	for _, part := range []string{`pipe "` + reg + `"`, `entity "order-create"`, "operation webhook-insert", "POST " + api.URL + "/webhooks", "500", `{"error":"injected failure: 500 Internal Server Error"}`} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error lacks %q: %v", part, err)
		}
	}
	if sum.Status != engine.StatusFailed || sum.Error == "" || sum.Written != 0 || string(sum.Offset) != "null" {
		t.Errorf("summary %+v offset %s", sum, sum.Offset)
	}
	if ps, err := st.PipeState(reg); err != nil || ps.LastSeen != "" {
		t.Errorf("the offset moved: %+v %v", ps, err)
	}
	if n := len(current(t, st, reg)); n != 0 {
		t.Errorf("%d entities written", n)
	}
	if len(api.addresses()) != 0 {
		t.Errorf("acme has %v", api.addresses())
	}

	// The next run reads the entity again and registers it.
	sum = run(t, ctx, eng, reg, false)
	expectRequests(t, "retry", api, "POST /webhooks 201")
	if sum.Written != 1 || len(api.addresses()) != 1 {
		t.Errorf("retry: %+v, acme %v", sum, api.addresses())
	}
	if ps, _ := st.PipeState(reg); ps.LastSeen == "" {
		t.Error("the offset did not move after a good run")
	}
}

// TestUnknownSystem: a pipe naming a system that is not defined is a
// config error at the "system" member.
func TestUnknownSystem(t *testing.T) {
	dir := t.TempDir()
	write := func(name, js string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(js), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("acme.json", `{"_id": "acme", "type": "system:rest", "url_pattern": "http://127.0.0.1:1/%s",
  "operations": {"get": {"url": "x", "method": "GET"}}}`)
	write("p.json", `{"_id": "p", "type": "pipe",
  "source": {"type": "embedded", "entities": []},
  "transform": {"type": "rest",
    "system": "acmee", "operation": "get"},
  "sink": {"type": "rest", "system": "nope", "operation": "get"}}`)
	_, err := pipes.Load(dir, pipes.Options{Types: builtin.Registry()})
	if err == nil {
		t.Fatal("loaded")
	}
	for _, part := range []string{
		"p.json:4:15: /transform/system: no system \"acmee\" is defined",
		"/sink/system: no system \"nope\" is defined",
	} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error lacks %q:\n%v", part, err)
		}
	}

	// And a bad operation in a system file is reported in that file.
	write("p.json", `{"_id": "p", "type": "pipe", "source": {"type": "rest", "system": "acme", "operation": "get"}}`)
	write("acme.json", `{"_id": "acme", "type": "system:rest", "url_pattern": "http://127.0.0.1:1/%s",
  "operations": {"get": {"url": "{{ x", "method": "GET"}, "put": {"url": "x", "method": "put"}}}`)
	_, err = pipes.Load(dir, pipes.Options{Types: builtin.Registry()})
	if err == nil {
		t.Fatal("loaded")
	}
	for _, part := range []string{"acme.json:2:33: /operations/get/url: bad template", "/operations/put/method: method must be one of"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error lacks %q:\n%v", part, err)
		}
	}
}
