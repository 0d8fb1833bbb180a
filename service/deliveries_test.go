package service

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/internal/testkit"
)

// TestDeliveriesAPI lists, resends and replays a webhook sink's deliveries
// over HTTP, and answers bad requests precisely.
func TestDeliveriesAPI(t *testing.T) {
	hook := testkit.NewReceiver(t, testkit.ReceiverOptions{})
	sent := func() []string {
		var ids []string
		for _, r := range hook.Requests() {
			ids = append(ids, r.Header.Get("webhook-id"))
		}
		return ids
	}
	files := map[string]string{"p.json": `[
	 {"_id": "src", "type": "pipe", "pump": {"mode": "manual"},
	  "source": {"type": "embedded", "entities": [{"_id": "a", "n": 1}, {"_id": "b", "n": 2}, {"_id": "c", "n": 3}]}},
	 {"_id": "out", "type": "pipe", "pump": {"mode": "manual"}, "source": {"type": "dataset", "dataset": "src"},
	  "sink": {"type": "webhook", "url": "` + hook.URL + `", "batch_size": 2,
	           "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}]`}
	_, srv, _ := startService(t, "", files)
	u := srv.URL
	for _, p := range []string{"src", "out"} {
		if code, body := call(t, "POST", u+"/api/pipes/"+p+"/pump", "operation=start&wait=true"); code != 200 || !strings.Contains(body, `"completed"`) {
			t.Fatalf("pump %s: %d %s", p, code, body)
		}
	}
	code, body := call(t, "GET", u+"/api/pipes/out/deliveries", "")
	var ds []struct {
		WebhookID string   `json:"webhook_id"`
		Outcome   string   `json:"outcome"`
		EntityIDs []string `json:"entity_ids"`
	}
	if err := json.Unmarshal([]byte(body), &ds); code != 200 || err != nil || len(ds) != 2 {
		t.Fatalf("deliveries: %d %s", code, body)
	}
	ids := sent()
	if ds[0].Outcome != "delivered" || strings.Join(ds[0].EntityIDs, ",") != "a,b" || ds[0].WebhookID != ids[0] {
		t.Errorf("first delivery %+v (sent %v)", ds[0], ids)
	}
	if code, body := call(t, "POST", u+"/api/pipes/out/deliveries/"+ds[1].WebhookID+"/resend", ""); code != 200 || !strings.Contains(body, ds[1].WebhookID) {
		t.Errorf("resend: %d %s", code, body)
	}
	if code, body := call(t, "POST", u+"/api/pipes/out/deliveries/replay", `{"from_offset": "-1"}`); code != 200 || strings.Count(body, "webhook_id") != 2 {
		t.Errorf("replay: %d %s", code, body)
	}
	ids = sent()
	if want := []string{ds[0].WebhookID, ds[1].WebhookID, ds[1].WebhookID, ds[0].WebhookID, ds[1].WebhookID}; strings.Join(ids, " ") != strings.Join(want, " ") {
		t.Errorf("webhook-ids sent %v, want %v", ids, want)
	}
	for _, tc := range []struct {
		method, path, body string
		code               int
	}{
		{"POST", "/api/pipes/out/deliveries/msg_nope/resend", "", 404},
		{"POST", "/api/pipes/out/deliveries/replay", "", 400},
		{"POST", "/api/pipes/out/deliveries/replay", "from_offset=x", 400},
		{"GET", "/api/pipes/out/deliveries?limit=-1", "", 400},
		{"GET", "/api/pipes/out/deliveries?since=yesterday", "", 400},
		{"GET", "/api/pipes/src/deliveries", "", 400},
		{"GET", "/api/pipes/nope/deliveries", "", 404},
		{"POST", "/api/pipes/out/deliveries/enable", "", 200},
	} {
		if code, body := call(t, tc.method, u+tc.path, tc.body); code != tc.code || (code >= 400 && !strings.Contains(body, `"error"`)) {
			t.Errorf("%s %s %q: %d %s, want %d", tc.method, tc.path, tc.body, code, body, tc.code)
		}
	}
}
