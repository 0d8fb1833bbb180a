package sources

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Verify runs the validation checks on a request; all must pass.
// For a Standard Webhooks check it returns the message id and how long to
// remember it for de-duplication (twice the tolerance).
func (vs RequestValidations) Verify(h http.Header, body []byte, now time.Time) (webhookID string, keep time.Duration, err error) {
	for _, v := range vs {
		switch v.Type {
		case ValidationHeader:
			err = verifyHeader(v, h)
		case ValidationHMAC:
			err = verifyHMAC(v, h, body)
		case ValidationStandardWebhooks:
			var id string
			if id, err = verifyStandardWebhooks(v, h, body, now); err == nil && webhookID == "" {
				webhookID, keep = id, 2*v.Tolerance
			}
		default:
			err = fmt.Errorf("unknown validation type %q", v.Type)
		}
		if err != nil {
			return "", 0, err
		}
	}
	return webhookID, keep, nil
}

// verifyHeader compares a header with the shared secret in constant time
// (hashing both first, so not even the length leaks).
func verifyHeader(v RequestValidation, h http.Header) error {
	got := h.Get(v.Header)
	if got == "" {
		return fmt.Errorf("missing header %s", v.Header)
	}
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256(v.Key)
	if subtle.ConstantTimeCompare(a[:], b[:]) != 1 {
		return fmt.Errorf("header %s does not hold the expected secret", v.Header)
	}
	return nil
}

// verifyHMAC checks a header holding the HMAC-SHA256 of the raw body, hex
// or base64, after an optional prefix (GitHub's "sha256=").
func verifyHMAC(v RequestValidation, h http.Header, body []byte) error {
	sig, err := hmacSignature(v, h)
	if err != nil {
		return err
	}
	mac := hmac.New(sha256.New, v.Key)
	mac.Write(body)
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return fmt.Errorf("signature header %s does not match the body", v.Header)
	}
	return nil
}

// hmacSignature reads the signature an hmac check compares: the header,
// after its prefix, decoded.
func hmacSignature(v RequestValidation, h http.Header) ([]byte, error) {
	got := strings.TrimSpace(h.Get(v.Header))
	if got == "" {
		return nil, fmt.Errorf("missing signature header %s", v.Header)
	}
	if v.Prefix != "" {
		if len(got) < len(v.Prefix) || !strings.EqualFold(got[:len(v.Prefix)], v.Prefix) {
			return nil, fmt.Errorf("signature header %s does not start with %q", v.Header, v.Prefix)
		}
		got = got[len(v.Prefix):]
	}
	var sig []byte
	var err error
	if v.Encoding == "base64" {
		sig, err = base64.StdEncoding.DecodeString(got)
		if err != nil {
			sig, err = base64.RawStdEncoding.DecodeString(got)
		}
	} else {
		sig, err = hex.DecodeString(got)
	}
	if err != nil {
		return nil, fmt.Errorf("signature header %s is not %s", v.Header, v.Encoding)
	}
	return sig, nil
}

// Standard Webhooks headers.
const (
	headerWebhookID        = "webhook-id"
	headerWebhookTimestamp = "webhook-timestamp"
	headerWebhookSignature = "webhook-signature"
)

// verifyStandardWebhooks checks a Standard Webhooks signature: one of the
// space-separated "v1,<base64>" entries of webhook-signature must be the
// HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}", and the
// timestamp must be within the tolerance of now, either way.
func verifyStandardWebhooks(v RequestValidation, h http.Header, body []byte, now time.Time) (string, error) {
	id, sec, sigs, err := standardWebhooksHeaders(v, h, now)
	if err != nil {
		return "", err
	}
	mac := hmac.New(sha256.New, v.Key)
	mac.Write([]byte(id + "." + strconv.FormatInt(sec, 10) + "."))
	mac.Write(body)
	want := []byte(base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	for _, s := range sigs {
		version, sig, ok := strings.Cut(s, ",")
		if ok && version == "v1" && hmac.Equal([]byte(sig), want) {
			return id, nil
		}
	}
	return "", errors.New("no webhook-signature entry matches the message")
}

// standardWebhooksHeaders reads and checks the Standard Webhooks headers:
// all three present, the timestamp within the tolerance, and at least one
// "v1," signature entry.
func standardWebhooksHeaders(v RequestValidation, h http.Header, now time.Time) (id string, sec int64, sigs []string, err error) {
	id, ts, sig := h.Get(headerWebhookID), h.Get(headerWebhookTimestamp), h.Get(headerWebhookSignature)
	if id == "" || ts == "" || sig == "" {
		return "", 0, nil, errors.New("missing Standard Webhooks headers (webhook-id, webhook-timestamp and webhook-signature are required)")
	}
	sec, err = strconv.ParseInt(strings.TrimSpace(ts), 10, 64)
	if err != nil {
		return "", 0, nil, errors.New("webhook-timestamp is not a Unix time in seconds")
	}
	at := time.Unix(sec, 0)
	switch {
	case now.Sub(at) > v.Tolerance:
		return "", 0, nil, fmt.Errorf("webhook-timestamp is too old (more than %s ago)", v.Tolerance)
	case at.Sub(now) > v.Tolerance:
		return "", 0, nil, fmt.Errorf("webhook-timestamp is too far in the future (more than %s ahead)", v.Tolerance)
	}
	for _, s := range strings.Fields(sig) {
		if strings.HasPrefix(s, "v1,") {
			sigs = append(sigs, s)
		}
	}
	if len(sigs) == 0 {
		return "", 0, nil, errors.New(`webhook-signature has no "v1," entry`)
	}
	return id, sec, sigs, nil
}

// Precheck runs what of the validation checks needs no body — a shared
// secret header whole; the presence and form of a signature header; the
// Standard Webhooks headers and timestamp — so that a request that cannot
// pass is refused before its body is read.
func (vs RequestValidations) Precheck(h http.Header, now time.Time) error {
	for _, v := range vs {
		var err error
		switch v.Type {
		case ValidationHeader:
			err = verifyHeader(v, h)
		case ValidationHMAC:
			_, err = hmacSignature(v, h)
		case ValidationStandardWebhooks:
			_, _, _, err = standardWebhooksHeaders(v, h, now)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
