package receiver

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/builtin"
	"github.com/sluice-sync/sluice/internal/testkit"
	"github.com/sluice-sync/sluice/pipes"
)

const validationConfig = `[
{"_id": "hdr", "type": "pipe", "source": {"type": "http_endpoint",
  "validation": {"type": "header", "header": "X-Token", "secret": "$SECRET(token)"}}},
{"_id": "gh", "type": "pipe", "source": {"type": "http_endpoint",
  "validation": {"type": "hmac", "header": "X-Hub-Signature-256", "prefix": "sha256=", "encoding": "hex", "secret": "$SECRET(gh_secret)"}}},
{"_id": "shop", "type": "pipe", "source": {"type": "http_endpoint",
  "validation": {"type": "hmac", "header": "X-Shopify-Hmac-Sha256", "encoding": "base64", "secret": "$SECRET(shop)"}}},
{"_id": "sw", "type": "pipe", "source": {"type": "http_endpoint",
  "validation": {"type": "standard-webhooks", "secret": "$SECRET(sw)", "tolerance_seconds": 300}}},
{"_id": "both", "type": "pipe", "source": {"type": "http_endpoint",
  "validation": [{"type": "header", "header": "X-Token", "secret": "$SECRET(token)"},
                 {"type": "hmac", "header": "X-Sig", "secret": "$SECRET(gh_secret)"}]}},
{"_id": "expr", "type": "pipe", "source": {"type": "http_endpoint",
  "validation_expression": "{{ '' if request_headers['X-Sesam-Authorization'] == secret('expr') else 'Invalid authorization header value' }}"}},
{"_id": "expr-body", "type": "pipe", "source": {"type": "http_endpoint",
  "validation_expression": "{% if body.kind != 'order' %}only orders, not {{ body.kind }}{% endif %}{% if request.query.src != 'shop' %} bad source{% endif %}{% if headers['x-tenant'] != 't1' %} bad tenant{% endif %}"}}
]`

func hmacHex(secret, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	return hex.EncodeToString(m.Sum(nil))
}

func hmacB64(secret, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// rejected checks a validation failure: the status, the outcome, and that
// the pipe's dataset was left alone.
func (h *harness) rejected(pipe string, r response, status int, want ...string) {
	h.t.Helper()
	expect(h.t, r, status, want...)
	if o := h.lastOutcome(); o.outcome != OutcomeRejected {
		h.t.Errorf("outcome %q, want %q", o.outcome, OutcomeRejected)
	}
	if n := h.versions(pipe); n != 0 {
		h.t.Errorf("%d versions written to %s after a rejection", n, pipe)
	}
}

func TestHeaderValidation(t *testing.T) {
	h := newHarness(t, validationConfig)
	body := `{"_id": "a"}`
	h.rejected("hdr", h.post("hdr", "", "application/json", body), 401, "missing header X-Token")
	h.rejected("hdr", h.post("hdr", "", "application/json", body, "X-Token", "wrong"), 401, "X-Token")
	h.rejected("hdr", h.post("hdr", "", "application/json", body, "X-Token", testSecrets["token"]+"x"), 401)
	// A rejection comes before the body is looked at.
	h.rejected("hdr", h.post("hdr", "", "application/json", `{broken`, "X-Token", "wrong"), 401)
	expect(t, h.post("hdr", "", "application/json", body, "X-Token", testSecrets["token"]), 200)
	if h.latest("hdr")["a"] == nil {
		t.Error("not written")
	}
}

func TestHMACValidation(t *testing.T) {
	h := newHarness(t, validationConfig)
	body := `[{"_id": "push-1", "ref": "main"}]`
	good := "sha256=" + hmacHex(testSecrets["gh_secret"], body)

	h.rejected("gh", h.post("gh", "", "application/json", body), 401, "missing")
	h.rejected("gh", h.post("gh", "", "application/json", body, "X-Hub-Signature-256", hmacHex(testSecrets["gh_secret"], body)), 401, `"sha256="`)
	h.rejected("gh", h.post("gh", "", "application/json", body, "X-Hub-Signature-256", "sha256=zz"), 401, "not hex")
	h.rejected("gh", h.post("gh", "", "application/json", body, "X-Hub-Signature-256", "sha256="+hmacHex("other", body)), 401, "does not match")
	h.rejected("gh", h.post("gh", "", "application/json", strings.Replace(body, "main", "evil", 1), "X-Hub-Signature-256", good), 401, "does not match")
	expect(t, h.post("gh", "", "application/json", body, "X-Hub-Signature-256", good), 200)
	// Hex digits in upper case are the same signature.
	expect(t, h.post("gh", "", "application/json", body, "X-Hub-Signature-256", "sha256="+strings.ToUpper(hmacHex(testSecrets["gh_secret"], body))), 200)
	if h.latest("gh")["push-1"] == nil {
		t.Error("not written")
	}

	sbody := `{"_id": "order-9", "total": "10.00"}`
	h.rejected("shop", h.post("shop", "", "application/json", sbody, "X-Shopify-Hmac-Sha256", hmacB64("nope", sbody)), 401)
	h.rejected("shop", h.post("shop", "", "application/json", sbody, "X-Shopify-Hmac-Sha256", "!!!"), 401, "not base64")
	expect(t, h.post("shop", "", "application/json", sbody, "X-Shopify-Hmac-Sha256", hmacB64(testSecrets["shop"], sbody)), 200)
}

func TestAllValidationsMustPass(t *testing.T) {
	h := newHarness(t, validationConfig)
	body := `{"_id": "a"}`
	sig := hmacHex(testSecrets["gh_secret"], body)
	h.rejected("both", h.post("both", "", "application/json", body, "X-Token", testSecrets["token"]), 401, "X-Sig")
	h.rejected("both", h.post("both", "", "application/json", body, "X-Sig", sig), 401, "X-Token")
	expect(t, h.post("both", "", "application/json", body, "X-Token", testSecrets["token"], "X-Sig", sig), 200)
}

// swHeaders are a Standard Webhooks message's headers.
func swHeaders(id string, ts int64, sig string) []string {
	return []string{"webhook-id", id, "webhook-timestamp", strconv.FormatInt(ts, 10), "webhook-signature", sig}
}

// The Standard Webhooks reference vector (the spec's test suites): secret
// whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, id msg_p5jXN8AQM9LWM0D4loKWxJek,
// timestamp 1614265330, body {"test": 2432232314}.
const (
	swVectorID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	swVectorTimestamp = 1614265330
	swVectorBody      = `{"test": 2432232314}`
	swVectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestStandardWebhooksVector(t *testing.T) {
	// The pipe needs an _id, so the transform makes one from the body.
	h := newHarness(t, `[{"_id": "sw", "type": "pipe", "source": {"type": "http_endpoint",
	  "validation": {"type": "standard-webhooks", "secret": "$SECRET(sw)"}},
	  "transform": {"type": "dtl", "rules": {"default": [["add", "_id", ["string", "_S.test"]], ["copy", "*"]]}}}]`)
	h.clock = time.Unix(swVectorTimestamp+60, 0)
	h.rejected("sw", h.post("sw", "", "application/json", swVectorBody, swHeaders(swVectorID, swVectorTimestamp, "v1,"+base64.StdEncoding.EncodeToString(make([]byte, 32)))...), 401, "signature")
	// Several signatures (key rotation): one matching is enough; unknown
	// versions are ignored.
	sigs := "v1a,xyz v1,bm9wZQ== " + swVectorSignature
	expect(t, h.post("sw", "", "application/json", swVectorBody, swHeaders(swVectorID, swVectorTimestamp, sigs)...), 200)
	if h.latest("sw")["2432232314"] == nil {
		t.Errorf("not written: %v", h.latest("sw"))
	}
}

func TestStandardWebhooksRejections(t *testing.T) {
	h := newHarness(t, validationConfig)
	body := `{"_id": "a", "v": 1}`
	now := time.Unix(1_700_000_000, 0)
	h.clock = now
	sign := func(id string, ts int64, body, secret string) string {
		key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
		m := hmac.New(sha256.New, key)
		m.Write([]byte(id + "." + strconv.FormatInt(ts, 10) + "." + body))
		return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
	}
	secret := testSecrets["sw"]
	ts := now.Unix()
	h.rejected("sw", h.post("sw", "", "application/json", body), 401, "webhook-id")
	h.rejected("sw", h.post("sw", "", "application/json", body, "webhook-id", "m1", "webhook-timestamp", "soon", "webhook-signature", sign("m1", ts, body, secret)), 401, "webhook-timestamp")
	h.rejected("sw", h.post("sw", "", "application/json", body, swHeaders("m1", ts-301, sign("m1", ts-301, body, secret))...), 401, "too old")
	h.rejected("sw", h.post("sw", "", "application/json", body, swHeaders("m1", ts+301, sign("m1", ts+301, body, secret))...), 401, "future")
	h.rejected("sw", h.post("sw", "", "application/json", body, swHeaders("m1", ts, sign("m1", ts, body, "whsec_"+base64.StdEncoding.EncodeToString([]byte("another key"))))...), 401, "signature")
	h.rejected("sw", h.post("sw", "", "application/json", `{"_id": "a", "v": 2}`, swHeaders("m1", ts, sign("m1", ts, body, secret))...), 401, "signature")
	h.rejected("sw", h.post("sw", "", "application/json", body, swHeaders("m2", ts, sign("m1", ts, body, secret))...), 401, "signature")
	// Within the tolerance either way is fine.
	expect(t, h.post("sw", "", "application/json", body, swHeaders("m1", ts-299, sign("m1", ts-299, body, secret))...), 200)
	expect(t, h.post("sw", "", "application/json", body, swHeaders("m3", ts+299, sign("m3", ts+299, body, secret))...), 200)
}

func TestStandardWebhooksReplay(t *testing.T) {
	h := newHarness(t, validationConfig)
	now := time.Unix(1_700_000_000, 0)
	h.clock = now
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(testSecrets["sw"], "whsec_"))
	sign := func(id string, ts int64, body string) []string {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(id + "." + strconv.FormatInt(ts, 10) + "." + body))
		return swHeaders(id, ts, "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)))
	}
	first := `{"_id": "a", "v": 1}`
	expect(t, h.post("sw", "", "application/json", first, sign("msg-1", now.Unix(), first)...), 200)
	second := `{"_id": "a", "v": 2}`
	expect(t, h.post("sw", "", "application/json", second, sign("msg-2", now.Unix(), second)...), 200)
	if n := h.versions("sw"); n != 2 {
		t.Fatalf("%d versions, want 2", n)
	}
	// The first message again, as a sender retrying it would send it: 200,
	// and entity a is not set back to v 1.
	h.clock = now.Add(time.Minute)
	r := h.post("sw", "", "application/json", first, sign("msg-1", now.Unix(), first)...)
	expect(t, r, 200)
	if strings.TrimSpace(r.body) != "{}" {
		t.Errorf("body %q", r.body)
	}
	if n := h.versions("sw"); n != 2 {
		t.Errorf("the replay wrote: %d versions", n)
	}
	if o := h.lastOutcome(); o.outcome != OutcomeDuplicate {
		t.Errorf("outcome %q, want %q", o.outcome, OutcomeDuplicate)
	}
	if v := h.latest("sw")["a"]["v"]; v != 2.0 {
		t.Errorf("a.v = %v, want 2", v)
	}
	// A message that was rejected (bad body) is not remembered: its retry
	// is received.
	bad := `{"v": 3}`
	expect(t, h.post("sw", "", "application/json", bad, sign("msg-3", now.Unix(), bad)...), 400)
	fixed := `{"_id": "c"}`
	expect(t, h.post("sw", "", "application/json", fixed, sign("msg-3", now.Unix(), fixed)...), 200)
	// Ids are forgotten after twice the tolerance; by then the timestamp is
	// out of tolerance too, so the replay is refused.
	h.clock = now.Add(11 * time.Minute)
	h.rejected("sw-none", h.post("sw", "", "application/json", first, sign("msg-1", now.Unix(), first)...), 401, "too old")
}

func TestValidationExpression(t *testing.T) {
	h := newHarness(t, validationConfig)
	body := `{"_id": "a"}`
	r := h.post("expr", "", "application/json", body, "X-Sesam-Authorization", "wrong")
	h.rejected("expr", r, 403, "Invalid authorization header value")
	h.rejected("expr", h.post("expr", "", "application/json", body), 403, "Invalid authorization header value")
	expect(t, h.post("expr", "", "application/json", body, "X-Sesam-Authorization", testSecrets["expr"]), 200)

	h.rejected("expr-body", h.post("expr-body", "src=shop", "application/json", `{"_id": "a", "kind": "refund"}`, "X-Tenant", "t1"), 403, "only orders, not refund")
	h.rejected("expr-body", h.post("expr-body", "src=crm", "application/json", `{"_id": "a", "kind": "order"}`, "X-Tenant", "t1"), 403, "bad source")
	h.rejected("expr-body", h.post("expr-body", "src=shop", "application/json", `{"_id": "a", "kind": "order"}`, "X-Tenant", "t2"), 403, "bad tenant")
	expect(t, h.post("expr-body", "src=shop", "application/json", `{"_id": "a", "kind": "order"}`, "X-Tenant", "t1"), 200)
}

func TestValidationExpressionRedactsSecrets(t *testing.T) {
	h := newHarness(t, `[{"_id": "leaky", "type": "pipe", "source": {"type": "http_endpoint",
	  "validation_expression": "expected {{ secret('expr') }}"}}]`)
	r := h.post("leaky", "", "application/json", `{"_id": "a"}`)
	expect(t, r, 403, "expected ***")
	if strings.Contains(r.body, testSecrets["expr"]) {
		t.Errorf("the answer shows the secret: %s", r.body)
	}
}

// loadErrors loads a config that must fail and returns the message.
func loadErrors(t *testing.T, config string) string {
	t.Helper()
	dir := testkit.ConfigDir(t, map[string]string{"pipes.json": config})
	_, err := pipes.Load(dir, pipes.Options{Types: builtin.Registry(), Secrets: lookupSecret})
	if err == nil {
		t.Fatalf("config loaded without errors:\n%s", config)
	}
	return err.Error()
}

func TestValidationConfigErrors(t *testing.T) {
	tests := []struct {
		name, source string
		want         []string
	}{
		{"unknown type", `{"type": "http_endpoint", "validation": {"type": "hmca", "secret": "s"}}`,
			[]string{`pipes.json:2:89: /0/source/validation/type: unknown validation type "hmca"`, `did you mean "hmac"`}},
		{"no type", `{"type": "http_endpoint", "validation": {"secret": "s"}}`,
			[]string{`pipes.json:2:80: /0/source/validation: missing required property "type"`}},
		{"not an object", `{"type": "http_endpoint", "validation": "hmac"}`,
			[]string{`/source/validation: expected a validation object or a list of them`}},
		{"missing secret", `{"type": "http_endpoint", "validation": {"type": "header", "header": "X-Token"}}`,
			[]string{`/source/validation: missing required property "secret"`}},
		{"key of another type", `{"type": "http_endpoint", "validation": {"type": "header", "header": "X-T", "secret": "s", "encoding": "hex"}}`,
			[]string{`/source/validation/encoding: unknown property "encoding"`}},
		{"bad encoding", `{"type": "http_endpoint", "validation": [{"type": "header", "header": "X-T", "secret": "s"}, {"type": "hmac", "header": "X-S", "secret": "s", "encoding": "b64"}]}`,
			[]string{`/source/validation/1/encoding: encoding must be "hex" or "base64", not "b64"`}},
		{"bad header name", `{"type": "http_endpoint", "validation": {"type": "header", "header": "X Token", "secret": "s"}}`,
			[]string{`/source/validation/header: "X Token" is not an HTTP header name`}},
		{"secret not base64", `{"type": "http_endpoint", "validation": {"type": "standard-webhooks", "secret": "whsec_not base64!"}}`,
			[]string{`/source/validation/secret: a standard-webhooks secret must be base64`}},
		{"bad tolerance", `{"type": "http_endpoint", "validation": {"type": "standard-webhooks", "secret": "whsec_c2VjcmV0", "tolerance_seconds": 0}}`,
			[]string{`/source/validation/tolerance_seconds: tolerance_seconds must be a positive number`}},
		{"bad template", `{"type": "http_endpoint", "validation_expression": "{% if x %}no end"}`,
			[]string{`pipes.json:2:91: /0/source/validation_expression: bad template`}},
		{"bad max_body_bytes", `{"type": "http_endpoint", "max_body_bytes": 0}`,
			[]string{`/source/max_body_bytes: max_body_bytes must be a positive number of bytes`}},
		{"unknown key", `{"type": "http_endpoint", "validations": []}`,
			[]string{`/source/validations: unknown property "validations" (did you mean "validation"?)`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg := loadErrors(t, "[\n{\"_id\": \"p\", \"type\": \"pipe\", \"source\": "+tc.source+"}\n]")
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("errors:\n%s\ndo not contain %q", msg, w)
				}
			}
		})
	}
}

func TestValidationConfigErrorsHideSecrets(t *testing.T) {
	testSecrets["bad_sw"] = "whsec_this is no base64 but secret"
	defer delete(testSecrets, "bad_sw")
	msg := loadErrors(t, `[{"_id": "p", "type": "pipe", "source": {"type": "http_endpoint", "validation": {"type": "standard-webhooks", "secret": "$SECRET(bad_sw)"}}}]`)
	if strings.Contains(msg, "no base64 but secret") || !strings.Contains(msg, "base64") {
		t.Errorf("errors: %s", msg)
	}
}
