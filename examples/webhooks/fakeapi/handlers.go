package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// api is the fake "acme" webhook API.
type api struct {
	store  *store
	faults *faults
	client *http.Client // delivers /emit calls
	log    io.Writer    // one line per request
}

func newAPI(log io.Writer) *api {
	return &api{
		store:  newStore(),
		faults: &faults{},
		client: &http.Client{Timeout: 10 * time.Second},
		log:    log,
	}
}

// seed adds two webhooks that belong to someone else.
func (a *api) seed() {
	a.store.add("https://other.example/hook", "order/create")
	a.store.add("https://other.example/hook", "customer/update")
}

func (a *api) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /webhooks", a.listWebhooks)
	mux.HandleFunc("POST /webhooks", a.createWebhook)
	mux.HandleFunc("GET /webhooks/{id}", a.getWebhook)
	mux.HandleFunc("DELETE /webhooks/{id}", a.deleteWebhook)
	mux.HandleFunc("POST /emit", a.emit)
	mux.HandleFunc("POST /_fail", a.addFault)
	mux.HandleFunc("POST /_reset", a.reset)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "no such endpoint"})
	})
	return a.logged(a.injectFaults(mux))
}

func (a *api) listWebhooks(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"values": a.store.list("")})
}

func (a *api) createWebhook(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Webhook *struct {
			Address string `json:"address"`
			Topic   string `json:"topic"`
		} `json:"webhook"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "body is not JSON: " + err.Error()})
		return
	}
	if body.Webhook == nil || body.Webhook.Address == "" || body.Webhook.Topic == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{
			"error": `body must be {"webhook": {"address": "...", "topic": "..."}}`,
		})
		return
	}
	hook := a.store.add(body.Webhook.Address, body.Webhook.Topic)
	writeJSON(w, http.StatusCreated, map[string]any{"value": hook})
}

func (a *api) getWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	hook, ok := a.store.get(id)
	if err != nil || !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "not found"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": hook})
}

func (a *api) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil || !a.store.delete(id) {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "not found"})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// emit posts the request body to every webhook registered for ?topic=.
func (a *api) emit(w http.ResponseWriter, r *http.Request) {
	topic := r.URL.Query().Get("topic")
	if topic == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "topic is required"})
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil || !json.Valid(body) {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "body must be JSON"})
		return
	}
	delivered, failed := 0, 0
	for _, hook := range a.store.list(topic) {
		if err := a.deliver(r, hook, body); err != nil {
			fmt.Fprintf(a.log, "emit %s to webhook %d (%s): %v\n", topic, hook.ID, hook.Address, err)
			failed++
		} else {
			delivered++
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"delivered": delivered, "failed": failed})
}

func (a *api) deliver(r *http.Request, hook Webhook, body []byte) error {
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, hook.Address, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Acme-Topic", hook.Topic)
	resp, err := a.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// addFault: POST /_fail?path=/webhooks&method=POST&status=500&count=1
func (a *api) addFault(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := fault{Path: q.Get("path"), Method: strings.ToUpper(q.Get("method")), Status: 500, Count: 1}
	if _, err := path.Match(f.Path, "/"); err != nil || !strings.HasPrefix(f.Path, "/") {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "path must be a path (or path.Match pattern) starting with /"})
		return
	}
	for name, dst := range map[string]*int{"status": &f.Status, "count": &f.Count} {
		if s := q.Get(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				writeJSON(w, http.StatusBadRequest, map[string]any{"error": name + " must be a positive integer"})
				return
			}
			*dst = n
		}
	}
	if f.Status < 100 || f.Status > 599 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "status must be 100-599"})
		return
	}
	a.faults.add(f)
	writeJSON(w, http.StatusOK, f)
}

func (a *api) reset(w http.ResponseWriter, r *http.Request) {
	a.store.reset()
	a.faults.reset()
	writeJSON(w, http.StatusOK, map[string]any{})
}

// injectFaults answers a request with an injected status when a /_fail rule
// matches it. The helper endpoints themselves are never failed.
func (a *api) injectFaults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/_") {
			if status, ok := a.faults.take(r.Method, r.URL.Path); ok {
				writeJSON(w, status, map[string]any{"error": fmt.Sprintf("injected failure: %d %s", status, http.StatusText(status))})
				return
			}
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

func (a *api) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		fmt.Fprintf(a.log, "%s %s %s %d %s\n", start.Format(time.TimeOnly), r.Method, r.URL.RequestURI(), rec.status, time.Since(start).Round(time.Microsecond))
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
