package sources

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/pipes"
)

// FuzzVerify: made-up signature headers never pass a check, and never
// panic it.
func FuzzVerify(f *testing.F) {
	f.Add("msg_1", "1796037000", "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=", "sha256=00ff", []byte(`{"a":1}`))
	f.Add("", "", "", "", []byte(nil))
	f.Add("x", "-1", "v1,", "sha256=", []byte("{}"))
	f.Add("x", "99999999999999999999", "v1,AAAA v1a,BBBB", "sha256=zz", []byte("[]"))
	now := time.Unix(1796037000, 0)
	vs := RequestValidations{
		{Type: ValidationStandardWebhooks, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Key: []byte("0123456789abcdef"), Tolerance: 5 * time.Minute},
	}
	hmac := RequestValidations{
		{Type: ValidationHMAC, Header: "X-Hub-Signature-256", Prefix: "sha256=", Encoding: "hex", Secret: "s3cret", Key: []byte("s3cret")},
	}
	f.Fuzz(func(t *testing.T, id, ts, sig, hubSig string, body []byte) {
		h := http.Header{}
		h.Set("webhook-id", id)
		h.Set("webhook-timestamp", ts)
		h.Set("webhook-signature", sig)
		h.Set("X-Hub-Signature-256", hubSig)
		if _, _, err := vs.Verify(h, body, now); err == nil {
			t.Fatalf("a made-up standard-webhooks signature passed: %q %q %q", id, ts, sig)
		}
		if _, _, err := hmac.Verify(h, body, now); err == nil {
			t.Fatalf("a made-up hmac signature passed: %q", hubSig)
		}
		// What the precheck refuses, the full check refuses too: the
		// precheck never turns away a request that could have passed.
		for _, v := range []RequestValidations{vs, hmac} {
			if v.Precheck(h, now) != nil {
				if _, _, err := v.Verify(h, body, now); err == nil {
					t.Fatalf("the precheck refused what verify accepts: %v", h)
				}
			}
		}
	})
}

func TestHTTPEndpointSourceDefaults(t *testing.T) {
	n, err := pipes.Parse("source.json", []byte(`{"do_float_as_decimal": false,
	  "validation": [{"type": "standard-webhooks", "secret": "whsec_c2VjcmV0"}, {"type": "hmac", "header": "X-Sig", "secret": "s"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	c := HTTPEndpointSpec.NewConfig().(*HTTPEndpointConfig)
	errs := pipes.Decode(n, c)
	if errs.HasErrors() || !strings.Contains(errs.Error(), "do_float_as_decimal") {
		t.Errorf("want only a warning for an ignored Sesam property: %v", errs)
	}
	if c.MaxBodyBytes != 16<<20 || !c.AutoPopulateDataset || c.Logging || c.Disabled {
		t.Errorf("defaults: %+v", c)
	}
	if len(c.Validation) != 2 || c.Validation[0].Tolerance != 5*time.Minute || string(c.Validation[0].Key) != "secret" ||
		c.Validation[1].Encoding != "hex" || c.Validation[1].Prefix != "" {
		t.Errorf("validation: %+v", c.Validation)
	}
}
