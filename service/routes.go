package service

import (
	"fmt"
	"net/http"
	"strings"
)

// probedMethods are the methods tried on a path no route matched, to tell
// a wrong method (405) from a path that does not exist (404).
var probedMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions}

// unmatched answers what no route of mux matched. The catch-all "/" that
// leads here would otherwise hide ServeMux's own 405, so the path is tried
// with the other methods: 405 with an Allow header when some route takes
// it, 404 otherwise; both with the usual JSON error body.
func unmatched(mux *http.ServeMux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if allow := allowedMethods(mux, r); len(allow) > 0 {
			list := strings.Join(allow, ", ")
			w.Header().Set("Allow", list)
			writeError(w, http.StatusMethodNotAllowed, fmt.Errorf("%s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, list))
			return
		}
		writeError(w, http.StatusNotFound, fmt.Errorf("no route %s %s", r.Method, r.URL.Path))
	}
}

// allowedMethods lists the methods for which a route other than the
// catch-all matches r's path.
func allowedMethods(mux *http.ServeMux, r *http.Request) []string {
	var allow []string
	for _, m := range probedMethods {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "" && pattern != "/" {
			allow = append(allow, m)
		}
	}
	return allow
}
