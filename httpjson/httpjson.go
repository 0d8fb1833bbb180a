// Package httpjson writes the JSON answers of sluice's HTTP API, so the
// management API and the receivers answer, and fail, the same way.
package httpjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"unicode/utf8"
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

// MaxErrorBytes is the longest error message an answer carries: messages
// quote what was sent (a key, a path, a JSON pointer), and a hostile
// request must not be echoed back, or logged, in full.
const MaxErrorBytes = 1024

// Error answers status with msg, cut to MaxErrorBytes, in the error body.
func Error(w http.ResponseWriter, status int, msg string) {
	Write(w, status, Body{Error: Truncate(msg, MaxErrorBytes), Status: status})
}

// Truncate cuts s to at most n bytes, on a rune boundary, saying how long it
// was.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", s[:cut], len(s))
}
