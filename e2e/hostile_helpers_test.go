package e2e

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// hreq is one request of the hostile catalogue.
type hreq struct {
	method, path string
	// ctype is the Content-Type; empty sends none.
	ctype  string
	body   string
	header map[string]string
	// chunked sends the body without a Content-Length.
	chunked bool
}

// hresp is what came back.
type hresp struct {
	status int
	header http.Header
	body   []byte
	took   time.Duration
}

func (r hresp) String() string {
	b := r.body
	if len(b) > 600 {
		b = append(b[:600:600], "…"...)
	}
	return fmt.Sprintf("%d %s", r.status, b)
}

// hostileClient gives every request a deadline: a request the service
// cannot answer in time is a hang, and fails the case.
var hostileClient = &http.Client{Timeout: 15 * time.Second}

// send sends q to the service at base and reads the whole answer.
func send(t *testing.T, base string, q hreq) hresp {
	t.Helper()
	var body io.Reader = strings.NewReader(q.body)
	if q.chunked {
		body = io.MultiReader(strings.NewReader(q.body)) // hides the length
	}
	req, err := http.NewRequest(q.method, base+q.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if q.chunked {
		req.ContentLength = -1
	}
	if q.ctype != "" {
		req.Header.Set("Content-Type", q.ctype)
	}
	for k, v := range q.header {
		req.Header.Set(k, v)
	}
	start := time.Now()
	resp, err := hostileClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", q.method, q.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", q.method, q.path, err)
	}
	return hresp{status: resp.StatusCode, header: resp.Header, body: b, took: time.Since(start)}
}

// maxErrorBody is the most an error answer should take: a message says
// what is wrong, it does not echo the input back.
const maxErrorBody = 2048

// checkError asserts the answer is status with the JSON error body
// {"error": "...", "status": N} (those two members only), its message
// holding msg.
func checkError(t *testing.T, r hresp, status int, msg string) {
	t.Helper()
	if r.status != status {
		t.Errorf("status %d, want %d; body %s", r.status, status, r)
		return
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want application/json; body %s", ct, r)
	}
	var eb struct {
		Error  string `json:"error"`
		Status int    `json:"status"`
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&eb); err != nil || dec.More() {
		t.Errorf("the body is not {\"error\", \"status\"}: %v: %s", err, r)
		return
	}
	if eb.Status != status || eb.Error == "" {
		t.Errorf("error body %+v, want status %d and a message", eb, status)
	}
	if !strings.Contains(eb.Error, msg) {
		t.Errorf("error %q does not say %q", eb.Error, msg)
	}
	if len(r.body) > maxErrorBody {
		t.Errorf("the error body is %d bytes long (at most %d expected): %s", len(r.body), maxErrorBody, r)
	}
}

// checkOK asserts a 200 {} (a receiver's answer to a request it took).
func checkOK(t *testing.T, r hresp) {
	t.Helper()
	if r.status != http.StatusOK || strings.TrimSpace(string(r.body)) != "{}" {
		t.Errorf("want 200 {}, got %s", r)
	}
}

// Test secrets, given to the service as $SECRET(sw), $SECRET(gh) and
// $SECRET(tok) through a --secrets file.
var (
	hostileSWKey  = []byte("hostile-standard-webhooks-key-32")
	hostileSW     = "whsec_" + base64.StdEncoding.EncodeToString(hostileSWKey)
	hostileGH     = "hostile-hmac-secret"
	hostileToken  = "hostile-header-token"
	hostileSecret = []string{hostileSW, base64.StdEncoding.EncodeToString(hostileSWKey), hostileGH, hostileToken}
)

// swSign returns the Standard Webhooks headers of a message signed with
// the test key.
func swSign(id string, ts int64, body string) map[string]string {
	m := hmac.New(sha256.New, hostileSWKey)
	m.Write([]byte(id + "." + strconv.FormatInt(ts, 10) + "." + body))
	return map[string]string{
		"webhook-id":        id,
		"webhook-timestamp": strconv.FormatInt(ts, 10),
		"webhook-signature": "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil)),
	}
}

// ghSign returns the GitHub-style signature header of body.
func ghSign(body string) map[string]string {
	m := hmac.New(sha256.New, []byte(hostileGH))
	m.Write([]byte(body))
	return map[string]string{"X-Hub-Signature-256": "sha256=" + hex.EncodeToString(m.Sum(nil))}
}

// with returns h with the given header set (empty value: left out).
func with(h map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(out, kv[i])
		} else {
			out[kv[i]] = kv[i+1]
		}
	}
	return out
}

// rawHeadStatus writes a request head over a bare connection while reading
// the answer's status line: a server that refuses a huge head answers and
// closes before the client has written it all, so the write may fail.
func rawHeadStatus(t *testing.T, base, head string) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go func() { _, _ = io.WriteString(c, head) }() // may fail once the server closes
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("no status line: %v", err)
	}
	f := strings.Fields(line)
	if len(f) < 2 {
		t.Fatalf("status line %q", line)
	}
	status, _ := strconv.Atoi(f[1])
	return status, strings.TrimSpace(line)
}

// datasetVersions reads a dataset's versions from the API; 0 for a
// dataset that does not exist.
func datasetVersions(t *testing.T, base, id string) uint64 {
	t.Helper()
	r := send(t, base, hreq{method: "GET", path: "/api/datasets/" + id})
	if r.status == http.StatusNotFound {
		return 0
	}
	var info struct {
		Versions *uint64 `json:"versions"`
	}
	if r.status != http.StatusOK || json.Unmarshal(r.body, &info) != nil || info.Versions == nil {
		t.Fatalf("GET /api/datasets/%s: %s", id, r)
	}
	return *info.Versions
}

// pipeOffsets reads every pipe's offset from GET /api/pipes.
func pipeOffsets(t *testing.T, base string) map[string]string {
	t.Helper()
	r := send(t, base, hreq{method: "GET", path: "/api/pipes"})
	var ps []struct {
		ID      string `json:"_id"`
		Runtime struct {
			Offset  json.RawMessage `json:"offset"`
			Running bool            `json:"running"`
		} `json:"runtime"`
	}
	if r.status != http.StatusOK || json.Unmarshal(r.body, &ps) != nil {
		t.Fatalf("GET /api/pipes: %s", r)
	}
	out := map[string]string{}
	for _, p := range ps {
		out[p.ID] = string(p.Runtime.Offset)
	}
	return out
}

// pipeRunning reads runtime.running of one pipe.
func pipeRunning(t *testing.T, base, id string) bool {
	t.Helper()
	r := send(t, base, hreq{method: "GET", path: "/api/pipes/" + id})
	var p struct {
		Runtime struct {
			Running bool `json:"running"`
		} `json:"runtime"`
	}
	if r.status != http.StatusOK || json.Unmarshal(r.body, &p) != nil {
		t.Fatalf("GET /api/pipes/%s: %s", id, r)
	}
	return p.Runtime.Running
}
