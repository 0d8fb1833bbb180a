package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/sluice-sync/sluice/internal/testkit"
)

const (
	secret      = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	otherSecret = "whsec_c2VjcmV0LXR3by1mb3Ita2V5LXJvdGF0aW9uIQ=="
)

// webhookLines returns the printed lines about webhook requests (not those
// about control requests).
func webhookLines(out *testkit.Buffer) []string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		if !strings.Contains(l, "failure rules now") && !strings.Contains(l, " reset: ") {
			lines = append(lines, l)
		}
	}
	return lines
}

// start runs a receiver verifying with secrets (default: secret).
func start(t *testing.T, secrets ...string) (*httptest.Server, *receiver, *testkit.Buffer) {
	t.Helper()
	if len(secrets) == 0 {
		secrets = []string{secret}
	}
	out := &testkit.Buffer{}
	rc, err := newReceiver(secrets, out)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return srv, rc, out
}

// send makes a request signed with sec (none when sec is "") and returns
// the status, or -1 and the error when no answer came.
func send(t *testing.T, client *http.Client, sec, id, method, url, body string) (int, error) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("X-Team", "data")
	if sec != "" {
		testkit.Sign(t, req, sec, id, body)
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return -1, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// post sends a signed POST that must get an answer.
func post(t *testing.T, srv *httptest.Server, id, path, body string) int {
	t.Helper()
	status, err := send(t, nil, secret, id, http.MethodPost, srv.URL+path, body)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	return status
}

func received(t *testing.T, srv *httptest.Server) []delivery {
	t.Helper()
	resp, err := http.Get(srv.URL + "/_received")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []delivery
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/_received: %d %v", resp.StatusCode, err)
	}
	return out
}

// control posts body to a control endpoint and returns status and answer.
func control(t *testing.T, srv *httptest.Server, path, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func mustFail(t *testing.T, srv *httptest.Server, body string) {
	t.Helper()
	if status, answer := control(t, srv, "/_fail", body); status != http.StatusOK {
		t.Fatalf("/_fail %s: %d %s", body, status, answer)
	}
}

const twoRecords = `[{"_message_id": 1, "_sync_mode": "mirror", "payload": {"_id": "ada", "my_first_name": "Ada", "_meta": {"row_num": 1, "sync_op": "upsert"}}},
 {"_message_id": 2, "_sync_mode": "mirror", "payload": {"_id": "bob", "_meta": {"row_num": 2, "sync_op": "delete"}}}]`

func TestSignatureAccepted(t *testing.T) {
	srv, _, out := start(t)
	if got := post(t, srv, "msg_1", "/customers?x=1", twoRecords); got != http.StatusOK {
		t.Fatalf("status %d\n%s", got, out)
	}
	got := received(t, srv)
	if len(got) != 1 {
		t.Fatalf("received %+v", got)
	}
	d := got[0]
	if d.WebhookID != "msg_1" || d.Method != "POST" || d.URL != "/customers?x=1" || d.Query["x"] != "1" ||
		d.Headers["x-team"] != "data" || d.Headers["webhook-id"] != "msg_1" || d.Headers["content-type"] != "application/json" ||
		d.Headers["webhook-signature"] == "" || d.Headers["webhook-timestamp"] == "" {
		t.Fatalf("delivery %+v", d)
	}
	var body []map[string]any
	if err := json.Unmarshal(d.Body, &body); err != nil || len(body) != 2 {
		t.Fatalf("body %s: %v", d.Body, err)
	}
	line := webhookLines(out)[0]
	for _, want := range []string{"POST /customers id=msg_1 200 2 records: upsert ada, delete bob"} {
		if !strings.Contains(line, want) {
			t.Fatalf("want %q in %q", want, line)
		}
	}
	if strings.Contains(line, "x=1") {
		t.Fatalf("a POST line shows the path only: %q", line)
	}
}

func TestSignatureRejected(t *testing.T) {
	srv, _, out := start(t)
	cases := []struct {
		name string
		req  func() *http.Request
		want string
	}{
		{"wrong secret", func() *http.Request { return signed(t, otherSecret, "m1", twoRecords, twoRecords) }, "no signature matches"},
		{"body changed", func() *http.Request { return signed(t, secret, "m2", twoRecords, "[]") }, "no signature matches"},
		{"unsigned", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, "/", strings.NewReader("[]"))
			return r
		}, "missing webhook-id"},
		{"old timestamp", func() *http.Request {
			r := signed(t, secret, "m3", "[]", "[]")
			wh, _ := standardwebhooks.NewWebhook(secret)
			old := time.Now().Add(-time.Hour)
			sig, _ := wh.Sign("m3", old, []byte("[]"))
			r.Header.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(old.Unix(), 10))
			r.Header.Set(standardwebhooks.HeaderWebhookSignature, sig)
			return r
		}, "webhook-timestamp is more than 5 minutes off"},
	}
	for i, c := range cases {
		req := c.req()
		u, _ := url.Parse(srv.URL + "/hook")
		req.URL, req.Host = u, u.Host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: status %d", c.name, resp.StatusCode)
		}
		if line := webhookLines(out)[i]; !strings.Contains(line, " 401 REJECTED bad signature: "+c.want) {
			t.Errorf("%s: line %q", c.name, line)
		}
	}
	if got := received(t, srv); len(got) != 0 {
		t.Fatalf("kept rejected requests: %+v", got)
	}
}

// signed builds a POST with signedBody's signature and sentBody as body.
func signed(t *testing.T, sec, id, signedBody, sentBody string) *http.Request {
	t.Helper()
	r, _ := http.NewRequest(http.MethodPost, "/", strings.NewReader(sentBody))
	testkit.Sign(t, r, sec, id, signedBody)
	return r
}

func TestKeyRotation(t *testing.T) {
	srv, _, _ := start(t, secret, otherSecret)
	for i, sec := range []string{secret, otherSecret} {
		if got, err := send(t, nil, sec, "m"+strconv.Itoa(i), http.MethodPost, srv.URL+"/", "[]"); err != nil || got != http.StatusOK {
			t.Fatalf("secret %d: %d %v", i, got, err)
		}
	}
	// One request carrying two signatures, the first by an unknown key.
	srv2, _, _ := start(t, otherSecret)
	req := signed(t, secret, "m9", "[]", "[]")
	wh, _ := standardwebhooks.NewWebhook(otherSecret)
	ts, _ := strconv.ParseInt(req.Header.Get(standardwebhooks.HeaderWebhookTimestamp), 10, 64)
	sig2, _ := wh.Sign("m9", time.Unix(ts, 0), []byte("[]"))
	req.Header.Set(standardwebhooks.HeaderWebhookSignature, req.Header.Get(standardwebhooks.HeaderWebhookSignature)+" "+sig2)
	u, _ := url.Parse(srv2.URL + "/")
	req.URL, req.Host = u, u.Host
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("two signatures: %v %v", resp, err)
	}
	resp.Body.Close()
}

func TestDuplicate(t *testing.T) {
	srv, _, out := start(t)
	for range 2 {
		if got := post(t, srv, "msg_dup", "/c", twoRecords); got != http.StatusOK {
			t.Fatalf("status %d", got)
		}
	}
	post(t, srv, "msg_other", "/c", "[]")
	if got := received(t, srv); len(got) != 2 || got[0].WebhookID != "msg_dup" || got[1].WebhookID != "msg_other" {
		t.Fatalf("received %+v", got)
	}
	lines := webhookLines(out)
	if strings.Contains(lines[0], "duplicate") || !strings.Contains(lines[1], "id=msg_dup 200 duplicate: 2 records") {
		t.Fatalf("lines %q", lines)
	}
}

func TestGETEmptyBody(t *testing.T) {
	srv, _, out := start(t)
	q := "/get?_id=ada&_message_id=7&_sync_mode=upsert&_valmi_meta__valmi_row_num=1&_valmi_meta__valmi_sync_op=upsert&my_first_name=Ada"
	if got, err := send(t, nil, secret, "msg_get", http.MethodGet, srv.URL+q, ""); err != nil || got != http.StatusOK {
		t.Fatalf("GET: %d %v\n%s", got, err, out)
	}
	got := received(t, srv)
	if len(got) != 1 || got[0].Method != "GET" || got[0].URL != q || string(got[0].Body) != "null" ||
		got[0].Query["_valmi_meta__valmi_sync_op"] != "upsert" || got[0].Query["my_first_name"] != "Ada" {
		t.Fatalf("received %+v", got)
	}
	if line := webhookLines(out)[0]; !strings.Contains(line, "GET "+q+" id=msg_get 200 1 record: upsert ada") {
		t.Fatalf("line %q", line)
	}
	// A GET whose signature covers a body fails: the signed body is empty.
	req := signed(t, secret, "msg_get2", "{}", "")
	req.Method = http.MethodGet
	u, _ := url.Parse(srv.URL + "/get?_id=x")
	req.URL, req.Host = u, u.Host
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET signed over a body: %v %v", resp, err)
	}
	resp.Body.Close()
}

func TestRawJSONOutput(t *testing.T) {
	srv, rc, out := start(t)
	rc.rawJSON = true
	post(t, srv, "m1", "/c", "[ {\"_id\": 1} ]")
	send(t, nil, secret, "m2", http.MethodGet, srv.URL+"/g?a=1", "")
	lines := webhookLines(out)
	if !strings.HasSuffix(lines[0], ` 200 [{"_id":1}]`) || !strings.HasSuffix(lines[1], ` 200 {"a":"1"}`) {
		t.Fatalf("lines %q", lines)
	}
}

func TestFailStatus(t *testing.T) {
	srv, _, out := start(t)
	mustFail(t, srv, `{"status": 500, "count": 2}`)
	mustFail(t, srv, `{"status": 429, "retry_after": 3}`)
	for i, want := range []int{500, 500} {
		if got := post(t, srv, "m1", "/c", "[]"); got != want {
			t.Fatalf("request %d: %d", i, got)
		}
	}
	status, err := send(t, nil, secret, "m1", http.MethodPost, srv.URL+"/c", "[]")
	if err != nil || status != 429 {
		t.Fatalf("third: %d %v", status, err)
	}
	if got := post(t, srv, "m1", "/c", "[]"); got != http.StatusOK {
		t.Fatalf("after the failures: %d", got)
	}
	// The failed attempts were not accepted, so the retry is new, not a duplicate.
	if got := received(t, srv); len(got) != 1 {
		t.Fatalf("received %+v", got)
	}
	lines := webhookLines(out)
	if !strings.Contains(lines[0], "id=m1 500 injected failure (1 more)") || !strings.Contains(lines[1], "500 injected failure (0 more)") ||
		strings.Contains(lines[len(lines)-1], "duplicate") {
		t.Fatalf("lines %q", lines)
	}
}

func TestFailRetryAfterHeader(t *testing.T) {
	srv, _, _ := start(t)
	mustFail(t, srv, `{"status": 503, "retry_after": 7}`)
	req := signed(t, secret, "m", "[]", "[]")
	u, _ := url.Parse(srv.URL + "/")
	req.URL, req.Host = u, u.Host
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "7" {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
}

func TestFailGone(t *testing.T) {
	srv, _, out := start(t)
	mustFail(t, srv, `{"gone": true}`)
	for range 3 {
		if got := post(t, srv, "m", "/c", "[]"); got != http.StatusGone {
			t.Fatalf("gone: %d", got)
		}
	}
	if !strings.Contains(out.String(), "id=m 410 gone") {
		t.Fatal(out)
	}
	mustFail(t, srv, `{"gone": false}`)
	if got := post(t, srv, "m", "/c", "[]"); got != http.StatusOK {
		t.Fatalf("after gone=false: %d", got)
	}
}

func TestFailDelay(t *testing.T) {
	srv, _, out := start(t)
	mustFail(t, srv, `{"delay_ms": 600, "count": 1}`)
	impatient := &http.Client{Timeout: 100 * time.Millisecond}
	if _, err := send(t, impatient, secret, "slow", http.MethodPost, srv.URL+"/c", `[{"payload": {"_id": "a"}}]`); err == nil {
		t.Fatal("want a client timeout")
	}
	// The receiver still finishes the request after its delay and keeps
	// it, so the client's retry is a duplicate.
	deadline := time.Now().Add(5 * time.Second)
	for len(received(t, srv)) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the delayed request never finished\n%s", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The rule had count 1, so the retry is answered without delay.
	if got, err := send(t, nil, secret, "slow", http.MethodPost, srv.URL+"/c", `[{"payload": {"_id": "a"}}]`); err != nil || got != http.StatusOK {
		t.Fatalf("retry: %d %v", got, err)
	}
	lines := webhookLines(out)
	if !strings.Contains(lines[0], "200 1 record: ? a (delayed 600ms, 0 more") || !strings.Contains(lines[1], "200 duplicate") {
		t.Fatalf("lines %q", lines)
	}
}

func TestFailDelayThenStatus(t *testing.T) {
	srv, _, _ := start(t)
	mustFail(t, srv, `{"delay_ms": 50, "status": 502, "count": 1}`)
	start := time.Now()
	if got := post(t, srv, "m", "/c", "[]"); got != http.StatusBadGateway || time.Since(start) < 50*time.Millisecond {
		t.Fatalf("%d after %v", got, time.Since(start))
	}
}

func TestFailReset(t *testing.T) {
	srv, _, out := start(t)
	mustFail(t, srv, `{"reset": true, "count": 1}`)
	if got, err := send(t, nil, secret, "m", http.MethodPost, srv.URL+"/c", "[]"); err == nil {
		t.Fatalf("want a broken connection, got %d", got)
	}
	if got := post(t, srv, "m", "/c", "[]"); got != http.StatusOK {
		t.Fatalf("after the reset: %d", got)
	}
	if !strings.Contains(out.String(), "id=m --- connection closed without an answer") || len(received(t, srv)) != 1 {
		t.Fatal(out)
	}
}

func TestFailRandom(t *testing.T) {
	srv, rc, _ := start(t)
	rc.random = rand.New(rand.NewPCG(1, 2)).Float64
	mustFail(t, srv, `{"random_500": 1}`)
	if got := post(t, srv, "m", "/c", "[]"); got != 500 {
		t.Fatalf("random_500 1: %d", got)
	}
	mustFail(t, srv, `{"random_500": 0.5}`)
	n := map[int]int{}
	for i := range 100 {
		n[post(t, srv, "m"+strconv.Itoa(i), "/c", "[]")]++
	}
	if n[500] < 20 || n[200] < 20 || n[500]+n[200] != 100 {
		t.Fatalf("random_500 0.5: %v", n)
	}
	mustFail(t, srv, `{"random_500": 0}`)
	for i := range 20 {
		if got := post(t, srv, "n"+strconv.Itoa(i), "/c", "[]"); got != 200 {
			t.Fatalf("random_500 0: %d", got)
		}
	}
}

func TestFailForeverAndClear(t *testing.T) {
	srv, _, _ := start(t)
	mustFail(t, srv, `{"status": 503, "count": -1}`)
	for range 5 {
		if got := post(t, srv, "m", "/c", "[]"); got != 503 {
			t.Fatalf("count -1: %d", got)
		}
	}
	mustFail(t, srv, `{"clear": true}`)
	if got := post(t, srv, "m", "/c", "[]"); got != 200 {
		t.Fatalf("after clear: %d", got)
	}
}

func TestFailRefusals(t *testing.T) {
	srv, _, _ := start(t)
	for _, body := range []string{
		``, `[]`, `{"statsu": 500}`, `{"status": 99}`, `{"status": 700}`, `{"count": 2}`,
		`{"status": 500, "count": 0}`, `{"status": 500, "count": -2}`, `{"reset": true, "status": 500}`,
		`{"random_500": 1.5}`, `{"random_500": -0.1}`, `{"delay_ms": -1}`, `{"retry_after": 3}`,
	} {
		if status, answer := control(t, srv, "/_fail", body); status != http.StatusBadRequest || !strings.Contains(answer, `"error"`) {
			t.Errorf("/_fail %s: %d %s", body, status, answer)
		}
	}
	resp, err := http.Get(srv.URL + "/_fail")
	if err != nil {
		t.Fatal(err)
	}
	var st failState
	json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if st.Gone || st.Random500 != 0 || len(st.Rules) != 0 {
		t.Fatalf("refused rules took effect: %+v", st)
	}
}

func TestReset(t *testing.T) {
	srv, _, _ := start(t)
	post(t, srv, "m", "/c", "[]")
	mustFail(t, srv, `{"gone": true}`)
	if status, answer := control(t, srv, "/_reset", ""); status != 200 || !strings.Contains(answer, `"cleared":1`) {
		t.Fatalf("/_reset: %d %s", status, answer)
	}
	if got := received(t, srv); len(got) != 0 {
		t.Fatalf("after reset: %+v", got)
	}
	// The id is forgotten too, and the failure rules are gone.
	if got := post(t, srv, "m", "/c", "[]"); got != 200 || len(received(t, srv)) != 1 {
		t.Fatalf("after reset: %d", got)
	}
	if resp, _ := http.Get(srv.URL + "/_reset"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET /_reset: %d", resp.StatusCode)
	}
}

func TestSummaries(t *testing.T) {
	u, _ := url.Parse("/x")
	for _, c := range []struct{ body, want string }{
		{``, "(empty body)"},
		{twoRecords, "2 records: upsert ada, delete bob"},
		{`[{"_message_id": 3, "_sync_mode": "upsert", "payload": {"_id": 42, "_valmi_meta": {"_valmi_row_num": 1, "_valmi_sync_op": "upsert"}}}]`, "1 record: upsert 42"},
		{`{"type": "customers", "data": [{"_sync_mode": "append", "payload": {"_id": "a"}}]}`, "type=customers 1 record: append a"},
		{`{"type": "customers", "data": []}`, "type=customers 0 records"},
		{`{"type": "pipe.completed", "timestamp": "2026-11-30T10:00:01.234Z", "data": {"pipe": "customers-webhook", "status": "completed", "full": true,
		   "counts": {"read": 5, "written": 5, "deleted": 0}, "offsets": {"start": null, "end": 4},
		   "started": "2026-11-30T10:00:01.222Z", "ended": "2026-11-30T10:00:01.234Z", "duration_ms": 12}}`,
			"pipe.completed pipe=customers-webhook status=completed full=true read=5 written=5 deleted=0 offsets=null..4 duration_ms=12"},
		{`{"type": "pipe.failed", "timestamp": "2026-11-30T10:00:09.000Z", "data": {"pipe": "customers-webhook", "status": "failed", "full": false,
		   "counts": {"read": 2, "written": 0, "deleted": 0}, "offsets": {"start": 4, "end": 4},
		   "started": "2026-11-30T10:00:04.000Z", "ended": "2026-11-30T10:00:09.000Z", "duration_ms": 5000, "error": "boom \"x\""}}`,
			`pipe.failed pipe=customers-webhook status=failed full=false read=2 written=0 deleted=0 offsets=4..4 duration_ms=5000 error="boom \"x\""`},
		{`{"type": "pipe.completed", "timestamp": "2026-11-30T10:00:01.234Z", "test": true, "data": {"pipe": "customers-webhook", "status": "completed", "full": false,
		   "counts": {"read": 42, "written": 7, "deleted": 1}, "offsets": {"start": 1000, "end": 1042}, "duration_ms": 1500}}`,
			"pipe.completed test pipe=customers-webhook status=completed full=false read=42 written=7 deleted=1 offsets=1000..1042 duration_ms=1500"},
		// Not the notification shape: a field it lacks shows as "?", and
		// another type is not read as a run.
		{`{"type": "pipe.completed", "data": {"pipe_id": "customers", "read": 5}}`,
			"pipe.completed pipe=? status=? full=? read=? written=? deleted=? offsets=?..? duration_ms=?"},
		{`{"type": "pipe.started", "data": {"pipe": "customers"}}`, `type=pipe.started data: {"type":"pipe.started","data":{"pipe":"customers"}}`},
		{`{"a": 1}`, `{"a":1}`},
		{`nope`, "4 bytes, not JSON: nope"},
	} {
		if got := summarize("POST", u, []byte(c.body)); got != c.want {
			t.Errorf("summarize(%s) = %q, want %q", c.body, got, c.want)
		}
	}
	var many []string
	for i := range 12 {
		many = append(many, `{"payload": {"_id": "e`+strconv.Itoa(i)+`", "_meta": {"sync_op": "upsert"}}}`)
	}
	if got := summarize("POST", u, []byte("["+strings.Join(many, ",")+"]")); !strings.HasPrefix(got, "12 records: upsert e0,") || !strings.HasSuffix(got, "upsert e9, ... +2 more") {
		t.Errorf("12 records: %q", got)
	}
	g, _ := url.Parse("/get?_id=ada&_meta_row_num=1&_meta_sync_op=delete")
	if got := summarize("GET", g, nil); got != "1 record: delete ada" {
		t.Errorf("GET: %q", got)
	}
}

func TestGenSecret(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-gen-secret"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	s := strings.TrimSpace(out.String())
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_"))
	if !strings.HasPrefix(s, "whsec_") || err != nil || len(key) != 32 {
		t.Fatalf("secret %q: %v", s, err)
	}
	if _, err := newReceiver([]string{s}, io.Discard); err != nil {
		t.Fatal(err)
	}
}

func TestRunListensAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	out := &testkit.Buffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-secret", otherSecret + "," + secret, "-fail-status", "503", "-fail-count", "1"}, out, pw)
		pw.Close()
	}()
	lines := bufio.NewReader(pr)
	var base string
	for base == "" {
		line, err := lines.ReadString('\n')
		if err != nil {
			t.Fatalf("no listening line: %v", err)
		}
		if i := strings.Index(line, "listening on http://"); i >= 0 {
			base = strings.TrimSpace(line[i+len("listening on "):])
		}
	}
	go io.Copy(io.Discard, lines)
	if got, err := send(t, nil, secret, "m", http.MethodPost, base+"/c", "[]"); err != nil || got != 503 {
		t.Fatalf("-fail-status: %d %v", got, err)
	}
	if got, err := send(t, nil, secret, "m", http.MethodPost, base+"/c", "[]"); err != nil || got != 200 {
		t.Fatalf("after it: %d %v", got, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestRunRefusals(t *testing.T) {
	t.Setenv("HOOK_SECRET", "")
	for _, args := range [][]string{
		{},                              // no secret
		{"-secret", "whsec_not base64"}, // bad secret
		{"-secret", secret, "-fail-count", "2"},
		{"-secret", secret, "-fail-rate", "2"},
		{"-secret", secret, "extra"},
	} {
		if err := run(context.Background(), append([]string{"-addr", "127.0.0.1:0"}, args...), io.Discard, io.Discard); err == nil {
			t.Errorf("%q: want an error", args)
		}
	}
}

func TestSecretFromEnv(t *testing.T) {
	t.Setenv("HOOK_SECRET", otherSecret+","+secret)
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0"}, io.Discard, pw); pw.Close() }()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil || !strings.Contains(line, "verifying with 2 secret(s)") {
		t.Fatalf("%q %v", line, err)
	}
	go io.Copy(io.Discard, pr)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
