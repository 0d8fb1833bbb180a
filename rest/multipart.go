package rest

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"slices"
)

// multipartForm encodes form fields as multipart/form-data, one part per
// value (a list repeats its field), in key order so requests repeat
// byte for byte but for the boundary.
func multipartForm(fields map[string]any, header http.Header) ([]byte, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range asList(fields[k]) {
			if err := w.WriteField(k, scalarString(v)); err != nil {
				return nil, err
			}
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	if header.Get("Content-Type") == "" {
		header.Set("Content-Type", w.FormDataContentType())
	}
	return buf.Bytes(), nil
}
