package pipes

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"
)

// RedactBytes is Redact for request traces, where Sesam's
// log_secret_redacted_bytes may leave part of each secret visible for
// debugging: the first n bytes of every secret value the config used
// become "***" and the rest stays. n <= 0, or n at least a secret's
// length, hides the whole secret.
func (c *Config) RedactBytes(s string, n int) string {
	secrets := slices.Clone(c.secrets)
	// Longest first, so a secret that contains a shorter one is hidden
	// before the shorter one breaks it up.
	slices.SortFunc(secrets, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	for _, v := range secrets {
		if len(v) < minRedacted || !strings.Contains(s, v) {
			continue
		}
		shown := ""
		if n > 0 && n < len(v) {
			cut := n
			for cut < len(v) && !utf8.RuneStart(v[cut]) {
				cut++ // never show part of a character
			}
			shown = v[cut:]
		}
		s = strings.ReplaceAll(s, v, "***"+shown)
	}
	return s
}
