package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// contact is one record of the fake CRM.
type contact struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// api is the fake CRM: contacts in memory, and the log of requests that
// /_requests hands out.
type api struct {
	key string
	log io.Writer // one line per request

	mu       sync.Mutex
	contacts map[int]contact
	next     int
	requests []string // since the last /_requests
}

func newAPI(key string, log io.Writer) *api {
	a := &api{key: key, log: log, contacts: map[int]contact{}, next: 1}
	a.add(contact{Name: "Ada", Email: "ada@example.com"})
	a.add(contact{Name: "Grace", Email: "grace@example.com"})
	return a
}

func (a *api) add(c contact) contact {
	c.ID = a.next
	a.next++
	a.contacts[c.ID] = c
	return c
}

func (a *api) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /contacts", a.list)
	mux.HandleFunc("POST /contacts", a.create)
	mux.HandleFunc("GET /contacts/{id}", a.get)
	mux.HandleFunc("PATCH /contacts/{id}", a.patch)
	mux.HandleFunc("DELETE /contacts/{id}", a.remove)
	mux.HandleFunc("GET /_requests", a.takeRequests)
	mux.HandleFunc("GET /_contacts", a.list)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "no such endpoint"})
	})
	return a.logged(a.authorized(mux))
}

func (a *api) list(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	ids := make([]int, 0, len(a.contacts))
	for id := range a.contacts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make([]contact, len(ids))
	for i, id := range ids {
		out[i] = a.contacts[id]
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": out})
}

// fields reads a JSON object of contact members; "id" is ignored.
func fields(r *http.Request) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		return nil, fmt.Errorf("body is not a JSON object: %w", err)
	}
	for k := range m {
		if k != "id" && k != "name" && k != "email" {
			return nil, fmt.Errorf("unknown member %q: a contact has name and email", k)
		}
	}
	return m, nil
}

// apply sets the members given on c.
func apply(c *contact, m map[string]json.RawMessage) error {
	for k, dst := range map[string]*string{"name": &c.Name, "email": &c.Email} {
		if raw, ok := m[k]; ok {
			if err := json.Unmarshal(raw, dst); err != nil {
				return fmt.Errorf("%s must be a string", k)
			}
		}
	}
	return nil
}

func (a *api) create(w http.ResponseWriter, r *http.Request) {
	m, err := fields(r)
	var c contact
	if err == nil {
		err = apply(&c, m)
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error()})
		return
	}
	a.mu.Lock()
	c = a.add(c)
	a.mu.Unlock()
	writeJSON(w, http.StatusCreated, c)
}

// found answers 404 unless {id} names a contact.
func (a *api) found(w http.ResponseWriter, r *http.Request) (int, bool) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if _, ok := a.contacts[id]; err != nil || !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "not found"})
		return 0, false
	}
	return id, true
}

func (a *api) get(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if id, ok := a.found(w, r); ok {
		writeJSON(w, http.StatusOK, a.contacts[id])
	}
}

func (a *api) patch(w http.ResponseWriter, r *http.Request) {
	m, err := fields(r)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error()})
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	id, ok := a.found(w, r)
	if !ok {
		return
	}
	c := a.contacts[id]
	if err := apply(&c, m); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error()})
		return
	}
	a.contacts[id] = c
	writeJSON(w, http.StatusOK, c)
}

func (a *api) remove(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if id, ok := a.found(w, r); ok {
		delete(a.contacts, id)
		w.WriteHeader(http.StatusNoContent)
	}
}

func (a *api) takeRequests(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	reqs := a.requests
	a.requests = nil
	a.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	for _, line := range reqs {
		fmt.Fprintln(w, line)
	}
}

// authorized answers 401 to a /contacts request without the key.
func (a *api) authorized(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/_") && r.Header.Get("Authorization") != "Bearer "+a.key {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "send the API key as Authorization: Bearer KEY"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// logged writes a line per request to the log, and keeps the /contacts
// ones for /_requests.
func (a *api) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		line := fmt.Sprintf("%s %s %d", r.Method, r.URL.RequestURI(), rec.status)
		if !strings.HasPrefix(r.URL.Path, "/_") {
			a.mu.Lock()
			a.requests = append(a.requests, line)
			a.mu.Unlock()
		}
		fmt.Fprintf(a.log, "%s %s %s\n", start.Format(time.TimeOnly), line, time.Since(start).Round(time.Microsecond))
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
