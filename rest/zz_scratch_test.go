package rest

import "testing"

func TestScratchTilde(t *testing.T) {
	api := newAPI(t, nil)
	r := lookup(t, api, `{"url_pattern": "$URL/%s", "operations": {"op": {"url": "x", "method": "POST", "payload": {"s": "{{ entity.s }}", "lit": "~:not-a-ni"}}}}`, `{"_id": "e", "s": "~~tuesday"}`)
	t.Logf("configured payload: %s", r.Body)
	r = lookup(t, api, `{"url_pattern": "$URL/%s", "operations": {"op": {"url": "x", "method": "POST"}}}`, `{"_id": "e", "payload": {"s": "~~tuesday", "u": "~uhello", "t": "~~t1"}}`)
	t.Logf("entity payload: %s", r.Body)
}
