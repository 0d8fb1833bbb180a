package httpjson

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
)

func TestError(t *testing.T) {
	rec := httptest.NewRecorder()
	Error(rec, 409, `pipe "a<b>" is running`)
	var got Body
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if rec.Code != 409 || got.Status != 409 || got.Error != `pipe "a<b>" is running` ||
		rec.Header().Get("Content-Type") != "application/json" || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("%d %v %q", rec.Code, rec.Header(), rec.Body)
	}
	if body := rec.Body.String(); body != `{"error":"pipe \"a<b>\" is running","status":409}`+"\n" {
		t.Fatalf("body %q", body)
	}
}

func TestWriteUnencodable(t *testing.T) {
	rec := httptest.NewRecorder()
	Write(rec, 200, map[string]any{"f": func() {}})
	if rec.Code != 500 || rec.Body.String() != `{"error":"encoding the response failed","status":500}`+"\n" {
		t.Fatalf("%d %q", rec.Code, rec.Body)
	}
}
