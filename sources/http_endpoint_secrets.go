package sources

import "strings"

// ConfigSecrets lists the validation secrets, as written and (for
// standard-webhooks ones) without their "whsec_" prefix, so that the
// config's redaction hides them wherever they appear.
func (c *HTTPEndpointConfig) ConfigSecrets() []string {
	var out []string
	for _, s := range c.Secrets() {
		out = append(out, s, strings.TrimPrefix(s, "whsec_"))
	}
	return out
}
