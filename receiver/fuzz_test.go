package receiver

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/sources"
)

// FuzzParseBody: any body either parses into JSON objects, or fails with a
// message; it never panics.
func FuzzParseBody(f *testing.F) {
	for _, s := range []string{`{"_id": "a"}`, `[{"_id": "a"}, {"_id": "b"}]`, "{\"_id\": \"a\"}\n\n{\"_id\": \"b\"}\n",
		`[1]`, `[{"a": 1, "a": 2}]`, "[\n{\"_id\":", `{"_id": "\xff"}`, `  `, `[]`, `{} {}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for name, parse := range map[string]func([]byte) ([]entity.Entity, error){"json": parseJSON, "ndjson": parseNDJSON} {
			es, err := parse(body)
			if err != nil {
				if err.Error() == "" {
					t.Fatalf("%s: empty error", name)
				}
				continue
			}
			for i, e := range es {
				var m map[string]any
				if json.Unmarshal(e, &m) != nil {
					t.Fatalf("%s: entity %d is not a JSON object: %q", name, i, e)
				}
			}
		}
	})
}

// FuzzVerify: made-up signature headers never pass a check, and never
// panic it.
func FuzzVerify(f *testing.F) {
	f.Add("msg_1", "1796037000", "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=", "sha256=00ff", []byte(`{"a":1}`))
	f.Add("", "", "", "", []byte(nil))
	f.Add("x", "-1", "v1,", "sha256=", []byte("{}"))
	f.Add("x", "99999999999999999999", "v1,AAAA v1a,BBBB", "sha256=zz", []byte("[]"))
	now := time.Unix(1796037000, 0)
	vs := sources.RequestValidations{
		{Type: sources.ValidationStandardWebhooks, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Key: []byte("0123456789abcdef"), Tolerance: 5 * time.Minute},
	}
	hmac := sources.RequestValidations{
		{Type: sources.ValidationHMAC, Header: "X-Hub-Signature-256", Prefix: "sha256=", Encoding: "hex", Secret: "s3cret", Key: []byte("s3cret")},
	}
	f.Fuzz(func(t *testing.T, id, ts, sig, hubSig string, body []byte) {
		h := http.Header{}
		h.Set("webhook-id", id)
		h.Set("webhook-timestamp", ts)
		h.Set("webhook-signature", sig)
		h.Set("X-Hub-Signature-256", hubSig)
		if _, _, err := verify(vs, h, body, now); err == nil {
			t.Fatalf("a made-up standard-webhooks signature passed: %q %q %q", id, ts, sig)
		}
		if _, _, err := verify(hmac, h, body, now); err == nil {
			t.Fatalf("a made-up hmac signature passed: %q", hubSig)
		}
		// What the precheck refuses, the full check refuses too: the
		// precheck never turns away a request that could have passed.
		for _, v := range []sources.RequestValidations{vs, hmac} {
			if precheck(v, h, now) != nil {
				if _, _, err := verify(v, h, body, now); err == nil {
					t.Fatalf("the precheck refused what verify accepts: %v", h)
				}
			}
		}
	})
}

// FuzzSyncParams: any query string gives parameters or an error, and a
// full sync always has its ids.
func FuzzSyncParams(f *testing.F) {
	f.Add("is_full=true&sequence_id=s&request_id=r&is_first=true")
	f.Add("is_full=perhaps")
	f.Add("is_last=true")
	f.Fuzz(func(t *testing.T, query string) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		p, err := parseSyncParams(q)
		if err == nil && p.full && (p.sequenceID == "" || p.requestID == "") {
			t.Fatalf("full sync without ids from %q", query)
		}
		if err != nil && strings.TrimSpace(err.Error()) == "" {
			t.Fatal("empty error")
		}
	})
}
