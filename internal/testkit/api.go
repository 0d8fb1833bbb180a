package testkit

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// API is a fake HTTP API: a loopback server that records every request
// (Requests, Next) before its handler answers.
type API struct {
	*httptest.Server
	recorder
	Conns *Conns
}

// NewAPI starts an API that answers with handle, which gets the body read
// already; nil answers 200 with the JSON {}. It stops when the test ends.
func NewAPI(t testing.TB, handle func(w http.ResponseWriter, r *http.Request, body string)) *API {
	t.Helper()
	a := &API{Conns: &Conns{}}
	a.Server = serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := readRequest(r)
		a.add(req)
		if handle == nil {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte("{}\n"))
			return
		}
		handle(w, r, req.Body)
	}), a.Conns)
	return a
}
