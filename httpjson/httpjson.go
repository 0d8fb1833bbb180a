// Package httpjson writes the JSON answers of sluice's HTTP API, so the
// management API and the receivers answer, and fail, the same way.
package httpjson

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// Write answers with v as JSON. HTML characters are not escaped: messages
// quote user input such as "<token>" and are read by people.
func Write(w http.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		b.Reset()
		b.WriteString(`{"error":"encoding the response failed","status":500}` + "\n")
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// Body is every error answer: {"error": "...", "status": N}.
type Body struct {
	Error  string `json:"error"`
	Status int    `json:"status"`
}

// Error answers status with msg in the error body.
func Error(w http.ResponseWriter, status int, msg string) {
	Write(w, status, Body{Error: msg, Status: status})
}
