package transforms_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/sluice-sync/sluice/builtin"
	"github.com/sluice-sync/sluice/engine"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/pipes"
	"github.com/sluice-sync/sluice/store"
)

// crm is a fake contacts API: GET /contacts lists them (leaving out the
// hidden ones, as a flaky list would), GET/PUT/DELETE /contacts/{id} and
// POST /contacts (which gives the next id).
type crm struct {
	*testkit.API
	mu       sync.Mutex
	contacts map[int]map[string]any
	hidden   map[int]bool
	fail     map[string]int // "METHOD /path" → the status its next request gets
	next     int
}

func newCRM(t *testing.T) *crm {
	c := &crm{contacts: map[int]map[string]any{}, hidden: map[int]bool{}, fail: map[string]int{}, next: 1}
	c.API = testkit.NewAPI(t, c.serve)
	return c
}

func (c *crm) add(fields map[string]any) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := c.next
	c.next++
	m := map[string]any{"id": id}
	for k, v := range fields {
		m[k] = v
	}
	c.contacts[id] = m
	return id
}

func (c *crm) set(id int, k string, v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.contacts[id][k] = v
}

func (c *crm) get(id int) map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.contacts[id]
}

func (c *crm) serve(w http.ResponseWriter, r *http.Request, body string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	answer := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(v)
	}
	if status, ok := c.fail[r.Method+" "+r.URL.Path]; ok {
		delete(c.fail, r.Method+" "+r.URL.Path)
		answer(status, map[string]any{"error": "refused"})
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/contacts")
	if !ok {
		answer(404, map[string]any{"error": "no such path"})
		return
	}
	if rest == "/defaults" && r.Method == "GET" {
		answer(200, map[string]any{"id": 0, "name": "(name)", "email": "(email)", "tags": []any{"default"}})
		return
	}
	if rest == "" {
		switch r.Method {
		case "GET":
			var ids []int
			for id := range c.contacts {
				if !c.hidden[id] {
					ids = append(ids, id)
				}
			}
			slices.Sort(ids)
			list := []any{}
			for _, id := range ids {
				list = append(list, c.contacts[id])
			}
			answer(200, map[string]any{"contacts": list})
		case "POST":
			var m map[string]any
			if err := json.Unmarshal([]byte(body), &m); err != nil {
				answer(400, map[string]any{"error": err.Error()})
				return
			}
			id := c.next
			if given, ok := m["id"].(float64); ok { // a natural key
				id = int(given)
			} else {
				c.next++
			}
			m["id"] = id
			c.contacts[id] = m
			answer(201, m)
		}
		return
	}
	id, err := strconv.Atoi(strings.TrimPrefix(rest, "/"))
	cur, found := c.contacts[id]
	if err != nil || !found {
		answer(404, map[string]any{"error": "not found"})
		return
	}
	switch r.Method {
	case "GET":
		answer(200, cur)
	case "PUT":
		var m map[string]any
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			answer(400, map[string]any{"error": err.Error()})
			return
		}
		m["id"] = id
		c.contacts[id] = m
		answer(200, m)
	case "DELETE":
		delete(c.contacts, id)
		w.WriteHeader(204)
	}
}

// requests lists the requests the fake got, as "METHOD /path?query", from
// n on.
func (c *crm) requests(from int) []string {
	var out []string
	for _, r := range c.Requests()[from:] {
		line := r.Method + " " + r.Path
		if r.Query != "" {
			line += "?" + r.Query
		}
		out = append(out, line)
	}
	return out
}

const crmSystem = `{"_id": "crm", "type": "system:rest", "base_url": "$ENV(crm_url)/", "operations": {
  "list": {"url": "contacts", "method": "GET", "payload_property": "contacts", "id_expression": "{{ id }}"},
  "lookup": {"url": "contacts/{{ entity.id }}", "method": "GET"},
  "defaults": {"url": "contacts/defaults", "method": "GET", "params": {"which": "{{ properties.which }}"}},
  "lookup-list": {"url": "contacts", "method": "GET", "payload_property": "contacts"},
  "insert": {"url": "contacts", "method": "POST"},
  "insert-wrapped": {"url": "contacts", "method": "POST", "payload": {"contact": "{{ entity.payload2 | tojson }}sesam:markjson", "by": "{{ properties.by }}"}},
  "update": {"url": "contacts/{{ entity.id }}", "method": "PUT"},
  "delete": {"url": "contacts/{{ entity.id }}", "method": "DELETE"}}}`

// crmPipes are the pipes of a connector's datatype: -all lists, -collect
// verifies deletes and establishes origin, -share makes the system match
// crm-contact-transform (which the tests write).
const crmPipes = `[
{"_id": "crm-contact-all", "type": "pipe", "source": {"type": "rest", "system": "crm", "operation": "list"}},
{"_id": "crm-contact-collect", "type": "pipe", "source": {"type": "dataset", "dataset": "crm-contact-all"},
 "transform": [{"type": "template", "template": "transform-collect-rest", "properties": {
   "rest_system": "crm", "primary_key": "id", "share_dataset": "crm-contact-share", "operation_lookup_delete": "lookup"}}]},
{"_id": "crm-contact-share", "type": "pipe", "batch_size": 1, "source": {"type": "dataset", "dataset": "crm-contact-transform"},
 "transform": {"type": "template", "template": "transform-share-rest", "properties": {
   "rest_system": "crm", "primary_key": "id", "share_dataset": "crm-contact-share"}}}
]`

type crmRig struct {
	t   *testing.T
	api *crm
	eng *engine.Engine
	st  *store.Store
}

func newRig(t *testing.T, files map[string]string) *crmRig {
	t.Helper()
	api := newCRM(t)
	t.Setenv("crm_url", api.URL)
	if files == nil {
		files = map[string]string{}
	}
	files["crm.json"] = crmSystem
	dir := testkit.ConfigDir(t, files)
	reg := builtin.Registry()
	cfg, err := pipes.Load(dir, pipes.Options{Types: reg})
	if err != nil {
		t.Fatal(err)
	}
	st := testkit.OpenStore(t)
	eng, err := engine.New(context.Background(), cfg, st, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close(context.Background()) })
	return &crmRig{t: t, api: api, eng: eng, st: st}
}

func (r *crmRig) run(pipe string) engine.Summary {
	r.t.Helper()
	sum, err := r.eng.Run(context.Background(), pipe, engine.RunOptions{})
	if err != nil || sum.Status != engine.StatusCompleted {
		r.t.Fatalf("run %s: %v %+v", pipe, err, sum)
	}
	return sum
}

// desire writes entities into the share pipe's source dataset.
func (r *crmRig) desire(docs ...string) {
	r.t.Helper()
	es := make([]entity.Entity, len(docs))
	for i, d := range docs {
		es[i] = entity.Entity(d)
	}
	if _, err := r.st.Write("crm-contact-transform", es, store.WriteOptions{}); err != nil {
		r.t.Fatal(err)
	}
}

// entity returns the latest version of id in ds (deleted ones too), with
// the store's own properties left out.
func (r *crmRig) entity(ds, id string) map[string]any {
	r.t.Helper()
	e, ok, err := r.st.Get(ds, id)
	if err != nil || !ok {
		r.t.Fatalf("%s has no %q: %v", ds, id, err)
	}
	var m map[string]any
	if err := json.Unmarshal(e, &m); err != nil {
		r.t.Fatal(err)
	}
	for _, k := range []string{"_ts", "_hash", "_previous", "_updated"} {
		delete(m, k)
	}
	return m
}

// want checks the properties of m named in want (as JSON).
func want(t *testing.T, what string, m map[string]any, want string) {
	t.Helper()
	var w map[string]any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	for k, v := range w {
		if !reflect.DeepEqual(m[k], v) {
			got, _ := json.Marshal(m)
			t.Errorf("%s: %s is %v, want %v (entity %s)", what, k, m[k], v, got)
		}
	}
}

func wantRequests(t *testing.T, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("requests %q, want %q", got, want)
	}
}

func TestShareTemplateInsertUpdateConflictDelete(t *testing.T) {
	r := newRig(t, map[string]string{"p.json": crmPipes})
	ada := r.api.add(map[string]any{"name": "Ada", "email": "ada@example.com"})
	grace := r.api.add(map[string]any{"name": "Grace", "email": "grace@example.com"})
	r.run("crm-contact-all")
	r.run("crm-contact-collect")

	// Insert: no primary key. The payload is the entity without its _ and
	// $ properties; the result records the key the system gave it.
	n := r.api.Count()
	r.desire(`{"_id": "hr:7", "name": "Linus", "$ids": ["~:hr:7"]}`)
	r.run("crm-contact-share")
	wantRequests(t, r.api.requests(n), "POST /contacts")
	if body := r.api.Last(t).Body; body != `{"name":"Linus"}` {
		t.Errorf("insert payload %s", body)
	}
	want(t, "insert", r.entity("crm-contact-share", "hr:7"), `{"$result": "inserted", "$operation": "insert", "$status": 201,
	  "$generated_id": 3, "$origin": "hr:7", "$ids": ["~:hr:7"], "$payload": {"name": "Linus"}, "$response": {"id": 3, "name": "Linus"}, "_deleted": false}`)

	// The collect pipe gives the new contact the origin the share recorded.
	r.run("crm-contact-all")
	r.run("crm-contact-collect")
	want(t, "collected insert", r.entity("crm-contact-collect", "3"), `{"id": 3, "name": "Linus", "$origin": "hr:7"}`)
	if _, has := r.entity("crm-contact-collect", "1")["$origin"]; has {
		t.Error("a contact that originated in the system got an $origin")
	}

	// A new version of the inserted entity before the collect caught up
	// updates the contact the insert made, not a second one.
	n = r.api.Count()
	r.desire(`{"_id": "hr:7", "name": "Linus T", "$based_on": {"name": "Linus"}}`)
	r.run("crm-contact-share")
	wantRequests(t, r.api.requests(n), "GET /contacts/3", "PUT /contacts/3")
	want(t, "update of an insert", r.entity("crm-contact-share", "hr:7"), `{"$result": "updated", "$generated_id": 3, "$origin": "hr:7"}`)

	// Update: the system still has what the collect saw ($based_on).
	n = r.api.Count()
	r.desire(fmt.Sprintf(`{"_id": "1", "id": %d, "name": "Ada Lovelace", "email": "ada@example.com", "$based_on": {"name": "Ada", "email": "ada@example.com"}}`, ada))
	r.run("crm-contact-share")
	wantRequests(t, r.api.requests(n), "GET /contacts/1", "PUT /contacts/1")
	if got := r.api.get(ada)["name"]; got != "Ada Lovelace" {
		t.Errorf("after the update the system has %v", got)
	}
	want(t, "update", r.entity("crm-contact-share", "1"), `{"$result": "updated", "$status": 200, "$based_on_lookup": {"name": "Ada", "email": "ada@example.com"},
	  "$payload": {"id": 1, "name": "Ada Lovelace", "email": "ada@example.com"}}`)

	// Nothing to change: no request but the lookup.
	n = r.api.Count()
	r.desire(fmt.Sprintf(`{"_id": "1", "id": %d, "name": "Ada Lovelace", "email": "ada@example.com", "x": 1, "$based_on": {"name": "Ada Lovelace", "email": "ada@example.com"}}`, ada))
	r.run("crm-contact-share")
	wantRequests(t, r.api.requests(n), "GET /contacts/1")
	want(t, "unchanged", r.entity("crm-contact-share", "1"), `{"$result": "unchanged"}`)

	// Optimistic locking: the contact changed in the system after the
	// collect saw it, so it is not overwritten.
	r.api.set(grace, "email", "grace@navy.mil")
	n = r.api.Count()
	conflict := fmt.Sprintf(`{"_id": "2", "id": %d, "name": "Grace Hopper", "email": "grace@example.com", "$based_on": {"name": "Grace", "email": "grace@example.com"}%%s}`, grace)
	r.desire(fmt.Sprintf(conflict, ""))
	r.run("crm-contact-share")
	wantRequests(t, r.api.requests(n), "GET /contacts/2")
	want(t, "conflict", r.entity("crm-contact-share", "2"), `{"$result": "modified-in-system", "$based_on_lookup": {"name": "Grace", "email": "grace@navy.mil"}, "_deleted": false}`)
	if got := r.api.get(grace); got["name"] != "Grace" || got["email"] != "grace@navy.mil" {
		t.Errorf("the conflict overwrote the system: %v", got)
	}

	// ... unless the entity says to skip the check.
	n = r.api.Count()
	r.desire(fmt.Sprintf(conflict, `, "$unsafe_skip_optimistic_locking": true`))
	r.run("crm-contact-share")
	wantRequests(t, r.api.requests(n), "GET /contacts/2", "PUT /contacts/2")
	want(t, "unsafe", r.entity("crm-contact-share", "2"), `{"$result": "updated"}`)
	if got := r.api.get(grace); got["name"] != "Grace Hopper" || got["email"] != "grace@example.com" {
		t.Errorf("the unsafe update did not write: %v", got)
	}

	// Delete, with the same check first.
	n = r.api.Count()
	r.desire(fmt.Sprintf(`{"_id": "1", "id": %d, "_deleted": true, "$based_on": {"name": "Ada Lovelace"}}`, ada))
	r.run("crm-contact-share")
	wantRequests(t, r.api.requests(n), "GET /contacts/1", "DELETE /contacts/1")
	want(t, "delete", r.entity("crm-contact-share", "1"), `{"$result": "deleted", "$status": 204, "_deleted": true}`)
	if r.api.get(ada) != nil {
		t.Error("the contact was not deleted")
	}

	// Deleting what the system no longer has sends nothing but the lookup;
	// a $replaced deletion (a merge, not a delete) sends nothing at all.
	n = r.api.Count()
	r.desire(`{"_id": "9", "id": 9, "_deleted": true}`, `{"_id": "hr:8", "id": 3, "_deleted": true, "$replaced": true}`)
	r.run("crm-contact-share")
	wantRequests(t, r.api.requests(n), "GET /contacts/9")
	want(t, "gone", r.entity("crm-contact-share", "9"), `{"$result": "not-in-system", "_deleted": true}`)
	want(t, "replaced", r.entity("crm-contact-share", "hr:8"), `{"$result": "replaced", "_deleted": true}`)

	// A modified contact is not deleted either.
	r.api.set(3, "name", "Linus Torvalds")
	n = r.api.Count()
	r.desire(`{"_id": "hr:7", "_deleted": true, "$based_on": {"name": "Linus T"}}`)
	r.run("crm-contact-share")
	wantRequests(t, r.api.requests(n), "GET /contacts/3")
	want(t, "delete conflict", r.entity("crm-contact-share", "hr:7"), `{"$result": "modified-in-system", "_deleted": false, "$generated_id": 3, "$origin": "hr:7"}`)
}

func TestCollectTemplateVerifiesDeletes(t *testing.T) {
	r := newRig(t, map[string]string{"p.json": crmPipes})
	r.api.add(map[string]any{"name": "Ada"})
	r.api.add(map[string]any{"name": "Grace"})
	r.run("crm-contact-all")
	r.run("crm-contact-collect")

	// The list leaves out contact 1, which the system still has: its
	// deletion is refuted. Contact 2 is gone for real: confirmed.
	r.api.mu.Lock()
	r.api.hidden[1] = true
	delete(r.api.contacts, 2)
	r.api.mu.Unlock()
	r.run("crm-contact-all")
	if !entity.Deleted(mustGet(t, r.st, "crm-contact-all", "1")) {
		t.Fatal("the list's dataset did not delete contact 1")
	}
	n := r.api.Count()
	r.run("crm-contact-collect")
	got := r.api.requests(n)
	slices.Sort(got)
	wantRequests(t, got, "GET /contacts/1", "GET /contacts/2")
	want(t, "refuted", r.entity("crm-contact-collect", "1"), `{"_deleted": false, "name": "Ada", "id": 1}`)
	want(t, "confirmed", r.entity("crm-contact-collect", "2"), `{"_deleted": true}`)
	for _, id := range []string{"1", "2"} {
		for k := range r.entity("crm-contact-collect", id) {
			if strings.HasPrefix(k, "$collect") {
				t.Errorf("entity %s keeps the template's %s", id, k)
			}
		}
	}
}

func mustGet(t *testing.T, st *store.Store, ds, id string) entity.Entity {
	t.Helper()
	e, ok, err := st.Get(ds, id)
	if err != nil || !ok {
		t.Fatalf("%s has no %q: %v", ds, id, err)
	}
	return e
}

// TestCollectTemplateLooksUp is the parameterized input pattern: the list
// gives ids, the lookup the whole entity.
func TestCollectTemplateLooksUp(t *testing.T) {
	r := newRig(t, map[string]string{"p.json": `[
{"_id": "ids", "type": "pipe", "source": {"type": "embedded", "entities": [{"_id": "1", "id": 1, "properties": "kept"}, {"_id": "9", "id": 9}]}},
{"_id": "detail", "type": "pipe", "source": {"type": "dataset", "dataset": "ids"},
 "transform": {"type": "template", "template": "transform-collect-rest", "properties": {
   "rest_system": "crm", "primary_key": "id", "share_dataset": "share", "operation_lookup": "lookup", "original_property": "_original"}}}]`})
	r.api.add(map[string]any{"name": "Ada", "email": "ada@example.com"})
	r.run("ids")
	r.run("detail")
	got := r.entity("detail", "1")
	want(t, "looked up", got, `{"_id": "1", "id": 1, "name": "Ada", "email": "ada@example.com"}`)
	orig, _ := got["_original"].(map[string]any)
	want(t, "original", orig, `{"_id": "1", "id": 1, "properties": "kept"}`)
	want(t, "not found", r.entity("detail", "9"), `{"_id": "9", "id": 9, "_deleted": true}`)
}

// TestDefaultsTemplate merges default values under an entity to insert,
// as Sesam's SuperOffice connector does before its share template.
func TestDefaultsTemplate(t *testing.T) {
	r := newRig(t, map[string]string{"p.json": `[
{"_id": "in", "type": "pipe", "source": {"type": "embedded", "entities": [
  {"_id": "new", "name": "Linus", "tags": null, "properties": {"own": true}},
  {"_id": "1", "id": 1, "name": "Ada L"},
  {"_id": "gone", "_deleted": true}]}},
{"_id": "out", "type": "pipe", "source": {"type": "dataset", "dataset": "in"},
 "transform": {"type": "template", "template": "transform-defaults-rest", "properties": {"rest_system": "crm", "primary_key": "id", "operation": "defaults", "operation_properties": {"which": "new"}}}}]`})
	r.run("in")
	n := r.api.Count()
	r.run("out")
	wantRequests(t, r.api.requests(n), "GET /contacts/defaults?which=new")
	got := r.entity("out", "new")
	want(t, "merged", got, `{"name": "Linus", "email": "(email)", "tags": null, "properties": {"own": true}}`)
	if _, has := got["id"]; has {
		t.Errorf("the defaults' primary key was merged in: %v", got)
	}
	want(t, "with key", r.entity("out", "1"), `{"id": 1, "name": "Ada L"}`)
	if _, has := r.entity("out", "1")["email"]; has {
		t.Error("an entity with its key got defaults")
	}
	for _, id := range []string{"new", "1"} {
		for k := range r.entity("out", id) {
			if strings.HasPrefix(k, "$defaults") {
				t.Errorf("entity %s keeps the template's %s", id, k)
			}
		}
	}
}

// TestShareTemplateExtensionPoints: payload rewrites, client-side patching
// with a rewritten lookup, a rewritten insert answer, a natural key,
// status codes that fail the run.
func TestShareTemplateExtensionPoints(t *testing.T) {
	r := newRig(t, map[string]string{"p.json": `[
{"_id": "share", "type": "pipe", "batch_size": 1, "source": {"type": "dataset", "dataset": "crm-contact-transform"},
 "transform": {"type": "template", "template": "transform-share-rest", "properties": {
   "rest_system": "crm", "primary_key": "id", "share_dataset": "share", "client_side_patching": true,
   "rules": {"lookup_rewrite_update": [["copy", "*", "secret"]]},
   "rewrite_rules_payload": {
     "rewrite_insert_payload": [["add", "$payload", ["dict", "name", ["upper", "_S.$source.name"]]]],
     "rewrite_update_payload_after_patch": [["add", "$payload", "_S._payload"], ["add", "$payload", ["apply", "tag", "_S._payload"]]],
     "tag": [["copy", "*"], ["add", "patched", true]]
   },
   "rewrite_rules_mutation": {"rewrite_insert": [["add", "contact_id", "_S.id"]]},
   "primary_key_insert": "contact_id",
   "update_allowed_status_codes": "200-299"}}}]`})
	id := r.api.add(map[string]any{"name": "Ada", "email": "ada@example.com", "secret": "s"})

	r.desire(`{"_id": "new", "name": "linus"}`)
	r.run("share")
	if body := r.api.Last(t).Body; body != `{"name":"LINUS"}` {
		t.Errorf("rewritten insert payload %s", body)
	}
	want(t, "rewritten answer", r.entity("share", "new"), `{"$result": "inserted", "$generated_id": 2, "$response": {"contact_id": 2}}`)

	// The update sends the looked-up contact (without what
	// lookup_rewrite_update leaves out) with the entity's values over it.
	r.desire(fmt.Sprintf(`{"_id": "1", "id": %d, "name": "Ada L"}`, id))
	r.run("share")
	var sent map[string]any
	json.Unmarshal([]byte(r.api.Last(t).Body), &sent)
	if !reflect.DeepEqual(sent, map[string]any{"id": 1.0, "name": "Ada L", "email": "ada@example.com", "patched": true}) {
		t.Errorf("patched payload %v", sent)
	}

	// An update answered outside update_allowed_status_codes fails the run.
	r.api.mu.Lock()
	r.api.fail["PUT /contacts/1"] = 409
	r.api.mu.Unlock()
	r.desire(fmt.Sprintf(`{"_id": "1", "id": %d, "name": "Ada Lovelace"}`, id))
	sum, err := r.eng.Run(context.Background(), "share", engine.RunOptions{})
	if err == nil || sum.Status != engine.StatusFailed || !strings.Contains(sum.Error, "answered 409") {
		t.Errorf("an update answered 409 outside update_allowed_status_codes: %v %+v", err, sum)
	}
}

// TestShareTemplateNaturalKeyAndFailures: with a natural key an entity the
// lookup does not find is inserted with its key; with the default
// allowed status codes a refused request is the result "failed".
func TestShareTemplateNaturalKeyAndFailures(t *testing.T) {
	r := newRig(t, map[string]string{"p.json": `[
{"_id": "share", "type": "pipe", "batch_size": 1, "source": {"type": "dataset", "dataset": "crm-contact-transform"},
 "transform": {"type": "template", "template": "transform-share-rest", "properties": {
   "rest_system": "crm", "primary_key": "id", "share_dataset": "share", "is_natural_key": true}}}]`})
	n := r.api.Count()
	r.desire(`{"_id": "n", "id": 50, "name": "Natural"}`)
	r.run("share")
	wantRequests(t, r.api.requests(n), "GET /contacts/50", "POST /contacts")
	want(t, "natural insert", r.entity("share", "n"), `{"$result": "inserted", "$generated_id": 50, "$origin": "n", "$payload": {"id": 50, "name": "Natural"}}`)

	r.api.mu.Lock()
	r.api.fail["PUT /contacts/50"] = 422
	r.api.mu.Unlock()
	r.desire(`{"_id": "n", "id": 50, "name": "Refused"}`)
	r.run("share")
	want(t, "refused", r.entity("share", "n"), `{"$result": "failed", "$status": 422, "$response": {"error": "refused"}, "$generated_id": 50, "$origin": "n"}`)

	r.api.mu.Lock()
	r.api.fail["GET /contacts/50"] = 500
	r.api.mu.Unlock()
	r.desire(`{"_id": "n", "id": 50, "name": "Lookup fails"}`)
	r.run("share")
	want(t, "lookup failed", r.entity("share", "n"), `{"$result": "lookup-failed"}`)
}

// TestSharePayloadProperty: under another name than "payload" the payload
// is for the operation's own payload template to place, as Sesam's Wave
// connector does.
func TestSharePayloadProperty(t *testing.T) {
	r := newRig(t, map[string]string{"p.json": `[
{"_id": "share", "type": "pipe", "batch_size": 1, "source": {"type": "dataset", "dataset": "crm-contact-transform"},
 "transform": {"type": "template", "template": "transform-share-rest", "properties": {
   "rest_system": "crm", "primary_key": "id", "share_dataset": "share",
   "payload_property": "payload2", "operation_insert": "insert-wrapped", "operation_insert_properties": {"by": "sluice"}}}}]`})
	r.desire(`{"_id": "new", "name": "Linus", "payload2": "not sent", "$payload": {"name": "Linus T"}}`)
	r.run("share")
	if body := r.api.Last(t).Body; body != `{"by":"sluice","contact":{"name":"Linus T"}}` {
		t.Errorf("insert body %s", body)
	}
	want(t, "inserted", r.entity("share", "new"), `{"$result": "inserted", "$payload": {"name": "Linus T"}}`)
}

// TestShareTemplateLookupRule is the shape of Sesam's HubSpot association
// pipes: a natural key of two properties, and a lookup that answers a list
// from which lookup_rewrite picks the entity (none picked: not found).
func TestShareTemplateLookupRule(t *testing.T) {
	r := newRig(t, map[string]string{"p.json": `[
{"_id": "share", "type": "pipe", "batch_size": 1, "source": {"type": "dataset", "dataset": "crm-contact-transform"},
 "transform": {"type": "template", "template": "transform-share-rest", "properties": {
   "rest_system": "crm", "primary_key": ["id", "kind"], "is_natural_key": true, "share_dataset": "share", "operation_lookup": "lookup-list",
   "rules": {"lookup_rewrite": [["filter", ["eq", "_R._S.id", "_S.id"]], ["copy", "*"]]}}}}]`})
	r.api.add(map[string]any{"name": "Ada", "kind": "person"})

	n := r.api.Count()
	r.desire(`{"_id": "n", "id": 60, "kind": "person", "name": "N"}`)
	r.run("share")
	wantRequests(t, r.api.requests(n), "GET /contacts", "POST /contacts")
	want(t, "not picked: inserted", r.entity("share", "n"), `{"$result": "inserted", "$generated_id": "[60, \"person\"]"}`)

	n = r.api.Count()
	r.desire(`{"_id": "n", "id": 60, "kind": "person", "name": "N2", "$based_on": {"name": "N"}}`)
	r.run("share")
	wantRequests(t, r.api.requests(n), "GET /contacts", "PUT /contacts/60")
	want(t, "picked: updated", r.entity("share", "n"), `{"$result": "updated", "$based_on_lookup": {"name": "N"}, "$generated_id": "[60, \"person\"]"}`)

	n = r.api.Count()
	r.desire(`{"_id": "1", "id": 1, "kind": "person", "name": "Ada L", "$based_on": {"name": "Grace"}}`)
	r.run("share")
	wantRequests(t, r.api.requests(n), "GET /contacts")
	want(t, "picked: modified", r.entity("share", "1"), `{"$result": "modified-in-system", "$based_on_lookup": {"name": "Ada"}}`)
}
