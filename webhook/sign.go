package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// secretPrefix marks a Standard Webhooks secret: the rest is base64.
const secretPrefix = "whsec_"

// Signer signs requests with one or more secrets; during key rotation
// every active secret gives its own "v1," entry, so receivers holding
// either key accept the request.
type Signer struct {
	keys [][]byte
}

// NewSigner decodes secrets as the Standard Webhooks spec has them: an
// optional "whsec_" prefix, then base64.
func NewSigner(secrets ...string) (*Signer, error) {
	if len(secrets) == 0 {
		return nil, errors.New("no secret")
	}
	s := &Signer{}
	for i, sec := range secrets {
		key, err := DecodeSecret(sec)
		if err != nil {
			return nil, fmt.Errorf("secret %d: %w", i+1, err)
		}
		s.keys = append(s.keys, key)
	}
	return s, nil
}

// DecodeSecret turns "whsec_<base64>" (or bare base64) into key bytes.
func DecodeSecret(secret string) ([]byte, error) {
	b64 := strings.TrimPrefix(strings.TrimSpace(secret), secretPrefix)
	if b64 == "" {
		return nil, errors.New("the secret is empty")
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, errors.New(`a secret must be base64, optionally prefixed "whsec_" (generate one with "sluice secret")`)
	}
	if len(key) < 16 {
		return nil, fmt.Errorf("the secret is %d bytes; use at least 16 (24 to 64 is usual)", len(key))
	}
	return key, nil
}

// GenerateSecret returns a new random secret, "whsec_" and 32 bytes of
// base64, as Pulter does for a webhook configured without one.
func GenerateSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return secretPrefix + base64.StdEncoding.EncodeToString(b)
}

// Sign returns the webhook-signature header value for a message: one
// "v1,<base64 HMAC-SHA256>" entry per key over "{id}.{timestamp}.{body}".
func (s *Signer) Sign(id string, ts time.Time, body []byte) string {
	prefix := id + "." + strconv.FormatInt(ts.Unix(), 10) + "."
	var b strings.Builder
	for i, key := range s.keys {
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(prefix))
		mac.Write(body)
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("v1,")
		b.WriteString(base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	}
	return b.String()
}
