package receiver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// signScript signs messages with the reference Standard Webhooks library
// (the npm package standardwebhooks): it reads [{secret, id, timestamp,
// payload}] on stdin and prints the webhook-signature of each.
const signScript = `
const { Webhook } = require("standardwebhooks");
let input = "";
process.stdin.on("data", (d) => (input += d));
process.stdin.on("end", () => {
  const out = JSON.parse(input).map((m) =>
    new Webhook(m.secret).sign(m.id, new Date(m.timestamp * 1000), m.payload));
  process.stdout.write(JSON.stringify(out));
});
`

// needNode skips the test when node or npm is missing, so "go test ./..."
// needs only Go; with SLUICE_CI=1 (set by .ci/run, which installs them) it
// fails instead, so CI never loses the check silently.
func needNode(t *testing.T) {
	t.Helper()
	msg, fail := nodeMissing(exec.LookPath, os.Getenv("SLUICE_CI"))
	switch {
	case msg == "":
	case fail:
		t.Fatal(msg)
	default:
		t.Skip(msg)
	}
}

// nodeMissing says which of node and npm lookPath cannot find, and whether
// that fails the test (ci is "1") rather than skips it; "" when both are there.
func nodeMissing(lookPath func(string) (string, error), ci string) (msg string, fail bool) {
	var missing []string
	for _, tool := range []string{"node", "npm"} {
		if _, err := lookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) == 0 {
		return "", false
	}
	verb := "is"
	if len(missing) > 1 {
		verb = "are"
	}
	msg = fmt.Sprintf("%s %s not installed: skipping the interop check against the npm standardwebhooks library; .ci/run installs them",
		strings.Join(missing, " and "), verb)
	if ci == "1" {
		return strings.Replace(msg, "skipping", "SLUICE_CI=1 needs", 1), true
	}
	return msg, false
}

// nodeSign signs messages with standardwebhooks 1.1.1, installed with npm
// into a temporary folder; the caller has checked for node and npm
// (needNode). npm needs the registry, or its cache.
func nodeSign(t *testing.T, msgs []signRequest) []string {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	install := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "--silent", "--no-package-lock", "standardwebhooks@1.1.1")
	install.Dir = dir
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("npm install standardwebhooks@1.1.1: %v\n%s", err, out)
	}
	script := filepath.Join(dir, "sign.js")
	if err := os.WriteFile(script, []byte(signScript), 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := json.Marshal(msgs)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, "node", script)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(string(in))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node sign.js: %v", err)
	}
	var sigs []string
	if err := json.Unmarshal(out, &sigs); err != nil || len(sigs) != len(msgs) {
		t.Fatalf("node sign.js printed %q (%v)", out, err)
	}
	return sigs
}

type signRequest struct {
	Secret    string `json:"secret"`
	ID        string `json:"id"`
	Timestamp int64  `json:"timestamp"`
	Payload   string `json:"payload"`
}

func TestStandardWebhooksReferenceSigner(t *testing.T) {
	needNode(t)
	h := newHarness(t, `[
	{"_id": "sw", "type": "pipe", "source": {"type": "http_endpoint",
	  "validation": {"type": "standard-webhooks", "secret": "$SECRET(sw)"}}},
	{"_id": "sw-raw", "type": "pipe", "source": {"type": "http_endpoint",
	  "validation": {"type": "standard-webhooks", "secret": "c2x1aWNlLXJhdy1rZXktMTIzNDU2Nzg5MA=="}}}
	]`)
	now := time.Now().Unix()
	msgs := []signRequest{
		{testSecrets["sw"], "msg_2b1", now, `{"_id": "o-1", "total": 12.5}`},
		{testSecrets["sw"], "msg_2b2", now - 120, `[{"_id": "o-2", "name": "Æsa Ødegård ✓"}, {"_id": "o-3", "lines": [1, 2, {"sku": "x"}]}]`},
		{testSecrets["sw"], "msg_2b3", now + 60, "{\n  \"_id\": \"o-4\",\n  \"note\": \"tab\\tand \\\"quotes\\\"\"\n}\n"},
		{"c2x1aWNlLXJhdy1rZXktMTIzNDU2Nzg5MA==", "msg_raw", now, `{"_id": "r-1"}`},
		// The spec's vector, to pin the library's output to it.
		{testSecrets["sw"], swVectorID, swVectorTimestamp, swVectorBody},
	}
	sigs := nodeSign(t, msgs)
	if sigs[4] != swVectorSignature {
		t.Errorf("the reference library signs the spec's vector as %q, want %q", sigs[4], swVectorSignature)
	}
	for i, m := range msgs[:4] {
		pipe := "sw"
		if m.ID == "msg_raw" {
			pipe = "sw-raw"
		}
		hdr := swHeaders(m.ID, m.Timestamp, sigs[i])
		// Tampered bodies and other ids fail with the same signature.
		h.rejected(pipe, h.post(pipe, "", "application/json", strings.Replace(m.Payload, "_id", "_ID", 1), hdr...), 401, "signature")
		h.rejected(pipe, h.post(pipe, "", "application/json", m.Payload, swHeaders(m.ID+"x", m.Timestamp, sigs[i])...), 401, "signature")
	}
	for i, m := range msgs[:4] {
		pipe := "sw"
		if m.ID == "msg_raw" {
			pipe = "sw-raw"
		}
		expect(t, h.post(pipe, "", "application/json", m.Payload, swHeaders(m.ID, m.Timestamp, sigs[i])...), 200)
	}
	got := h.latest("sw")
	for _, id := range []string{"o-1", "o-2", "o-3", "o-4"} {
		if got[id] == nil {
			t.Errorf("%s not written", id)
		}
	}
	if got["o-2"]["name"] != "Æsa Ødegård ✓" {
		t.Errorf("o-2 = %v", got["o-2"])
	}
	if h.latest("sw-raw")["r-1"] == nil {
		t.Error("r-1 not written")
	}
}

func TestNodeMissing(t *testing.T) {
	has := func(tools ...string) func(string) (string, error) {
		return func(name string) (string, error) {
			for _, tool := range tools {
				if tool == name {
					return "/usr/bin/" + name, nil
				}
			}
			return "", errors.New("not found")
		}
	}
	for _, c := range []struct {
		look func(string) (string, error)
		ci   string
		msg  string
		fail bool
	}{
		{has("node", "npm"), "1", "", false},
		{has(), "", "node and npm are not installed: skipping the interop check against the npm standardwebhooks library; .ci/run installs them", false},
		{has("node"), "0", "npm is not installed: skipping the interop check against the npm standardwebhooks library; .ci/run installs them", false},
		{has("npm"), "1", "node is not installed: SLUICE_CI=1 needs the interop check against the npm standardwebhooks library; .ci/run installs them", true},
	} {
		if msg, fail := nodeMissing(c.look, c.ci); msg != c.msg || fail != c.fail {
			t.Errorf("nodeMissing(ci=%q) = %q, %v; want %q, %v", c.ci, msg, fail, c.msg, c.fail)
		}
	}
}
