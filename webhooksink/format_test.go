package webhooksink_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/engine"
)

// The seed's GET example, as valmi.io sends it: the payload flattened, the
// meta first, then _message_id and _sync_mode.
func TestGETFlattensAsValmiDoes(t *testing.T) {
	rc := newReceiver(t)
	h := newHarness(t, sinkPipe(rc.URL, `"method": "GET", "valmi_compat": true,
	  "fields": {"my_first_name": "first_name", "my_last_name": "last_name", "email": "email", "active": "active"}`))
	h.put("src", `{"_id":"ryan","first_name":"Ryan","last_name":"Salisbury","email":"ryan.salisbury@sakilacustomer.org","active":1}`,
		`{"_id":"x","first_name":"A B","last_name":"C","email":"c@d","active":0,"nested":{"k":[1,2]}}`)
	h.run("out", engine.RunOptions{})
	reqs := rc.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want one per record", len(reqs))
	}
	want := "_valmi_meta__valmi_row_num=1&_valmi_meta__valmi_sync_op=upsert&my_first_name=Ryan&my_last_name=Salisbury&email=ryan.salisbury%40sakilacustomer.org&active=1&_message_id=1&_sync_mode=upsert"
	if reqs[0].Method != "GET" || reqs[0].Query != want || reqs[0].Body != "" {
		t.Errorf("got %s ?%s body %q\nwant ?%s", reqs[0].Method, reqs[0].Query, reqs[0].Body, want)
	}
	if !strings.Contains(reqs[1].Query, "_valmi_meta__valmi_row_num=2&") || !strings.Contains(reqs[1].Query, "my_first_name=A+B&") || !strings.Contains(reqs[1].Query, "_message_id=2&") {
		t.Errorf("second record: %s", reqs[1].Query)
	}
}

func TestGETFlattensNestedAndLists(t *testing.T) {
	rc := newReceiver(t)
	h := newHarness(t, sinkPipe(rc.URL, `"method": "GET"`))
	h.put("src", `{"_id":"n","a":{"b":{"c":true}},"l":["x",{"y":null}],"_hidden":1}`)
	h.run("out", engine.RunOptions{})
	q, err := url.ParseQuery(rc.Requests()[0].Query)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"_id": "n", "a_b_c": "true", "l_0": "x", "l_1_y": "", "_meta_row_num": "1", "_meta_sync_op": "upsert", "_message_id": "1", "_sync_mode": "upsert"} {
		if got, ok := q[k]; !ok || got[0] != v {
			t.Errorf("%s = %q, want %q (query %s)", k, got, v, rc.Requests()[0].Query)
		}
	}
	if q.Has("_hidden") {
		t.Error("an underscore property other than _id was sent")
	}
}

func TestPOSTRecordFormats(t *testing.T) {
	for _, tc := range []struct {
		name, extra, want string
	}{
		{"valmi single record", `"batch_size": 1, "valmi_compat": true, "fields": {"my_first_name": "first_name", "email": "email"}`,
			`{"_message_id":1,"_sync_mode":"upsert","payload":{"_valmi_meta":{"_valmi_row_num":1,"_valmi_sync_op":"upsert"},"my_first_name":"Ryan","email":"r@x"}}`},
		{"default array", `"batch_size": 10`,
			`[{"_message_id":1,"_sync_mode":"upsert","payload":{"_id":"r","first_name":"Ryan","email":"r@x","_meta":{"row_num":1,"sync_op":"upsert"}}}]`},
		{"object", `"batch_format": "object", "sync_mode": "append"`,
			`{"type":"all","data":[{"_message_id":1,"_sync_mode":"append","payload":{"_id":"r","first_name":"Ryan","email":"r@x","_meta":{"row_num":1,"sync_op":"append"}}}]}`},
		{"nested field path", `"batch_size": 1, "fields": {"id": "_id", "missing": "nope"}`,
			`{"_message_id":1,"_sync_mode":"upsert","payload":{"id":"r","missing":null,"_meta":{"row_num":1,"sync_op":"upsert"}}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc := newReceiver(t)
			h := newHarness(t, sinkPipe(rc.URL, tc.extra))
			h.put("src", `{"_id":"r","first_name":"Ryan","email":"r@x"}`)
			h.run("out", engine.RunOptions{})
			reqs := rc.Requests()
			if len(reqs) != 1 || reqs[0].Body != tc.want {
				t.Fatalf("body %q\nwant %q", reqs, tc.want)
			}
			if ct := reqs[0].Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

func TestMessageIDsGrowOverTheSinksLifeAndRowsPerRun(t *testing.T) {
	rc := newReceiver(t)
	h := newHarness(t, sinkPipe(rc.URL, `"batch_size": 10`))
	h.put("src", `{"_id":"a"}`, `{"_id":"b"}`)
	h.run("out", engine.RunOptions{})
	h.put("src", `{"_id":"c"}`)
	h.run("out", engine.RunOptions{})
	var got []string
	for _, r := range records(t, rc) {
		meta := r["payload"].(map[string]any)["_meta"].(map[string]any)
		b, _ := json.Marshal([]any{r["_message_id"], meta["row_num"]})
		got = append(got, string(b))
	}
	if strings.Join(got, " ") != "[1,1] [2,2] [3,1]" {
		t.Errorf("[message id, row] = %v", got)
	}
	// Headers are sent, and the webhook-id is per message.
	reqs := rc.Requests()
	if reqs[0].Header.Get("webhook-id") == reqs[1].Header.Get("webhook-id") || !strings.HasPrefix(reqs[0].Header.Get("webhook-id"), "msg_") {
		t.Errorf("webhook-ids %q %q", reqs[0].Header.Get("webhook-id"), reqs[1].Header.Get("webhook-id"))
	}
}

func TestByteCapCutsBatches(t *testing.T) {
	rc := newReceiver(t)
	h := newHarness(t, sinkPipe(rc.URL, `"batch_size": 100, "batch_max_bytes": 1024`))
	big := strings.Repeat("x", 400)
	h.put("src", `{"_id":"a","v":"`+big+`"}`, `{"_id":"b","v":"`+big+`"}`, `{"_id":"c","v":"`+big+`"}`, `{"_id":"d","v":"`+strings.Repeat("y", 2000)+`"}`)
	h.run("out", engine.RunOptions{})
	var sizes []int
	for _, r := range rc.Requests() {
		var recs []any
		_ = json.Unmarshal([]byte(r.Body), &recs)
		sizes = append(sizes, len(recs))
		if len(recs) > 1 && len(r.Body) > 1024 {
			t.Errorf("a batch of %d records is %d bytes, over the cap", len(recs), len(r.Body))
		}
	}
	if len(sizes) != 3 || sizes[0] != 2 || sizes[1] != 1 || sizes[2] != 1 {
		t.Errorf("records per request %v, want [2 1 1] (the oversized record alone)", sizes)
	}
}
