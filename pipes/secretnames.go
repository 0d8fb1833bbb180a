package pipes

import (
	"net/url"
	"regexp"
	"strings"
)

// Config shown to people (the API's pipes) hides credentials by the name
// of the property that holds them, whatever the value's source: a
// $SECRET(...), an $ENV(...) or a literal. Redact hides the same values,
// and those components declare (SecretHolder), in any other text.

// Redacted is what a hidden value is shown as.
const Redacted = "***"

// IsSecretName reports whether a config property (or a URL query
// parameter) of that name holds a credential: secret, password, token,
// api_key, client_secret, private_key, … in any case, with "-" or "_".
func IsSecretName(name string) bool {
	n := strings.NewReplacer("-", "_", " ", "_").Replace(strings.ToLower(name))
	for _, part := range []string{"secret", "password", "passwd", "passphrase", "credential", "apikey", "api_key", "private_key", "privatekey", "access_key", "signing_key"} {
		if strings.Contains(n, part) {
			return true
		}
	}
	switch n {
	case "pwd", "authorization", "proxy_authorization", "cookie":
		return true
	}
	return strings.HasSuffix(n, "token") || strings.HasSuffix(n, "tokens")
}

// IsSecretHeader reports whether an HTTP header of that name carries a
// credential (Authorization, X-API-Key, X-Auth-Token, Cookie, …), so its
// configured value is hidden.
func IsSecretHeader(name string) bool {
	n := strings.ToLower(name)
	for _, part := range []string{"authorization", "cookie", "token", "secret", "key", "auth", "password", "signature", "session", "credential"} {
		if strings.Contains(n, part) {
			return true
		}
	}
	return false
}

// isSecretQuery reports whether a URL query parameter carries a
// credential: a credential name, or the short names services use for
// keys and signatures (?key=, ?sig=).
func isSecretQuery(name string) bool {
	switch strings.ToLower(name) {
	case "key", "sig", "signature":
		return true
	}
	return IsSecretName(name)
}

// HeaderSecrets lists the values of the credential headers in h, for
// SecretHolder implementations.
func HeaderSecrets(h map[string]string) []string {
	var out []string
	for k, v := range h {
		if IsSecretHeader(k) && v != "" {
			out = append(out, v)
		}
	}
	return out
}

var (
	// urlUserinfo finds the password of a URL's userinfo.
	urlUserinfo = regexp.MustCompile(`(?i)\b[a-z][a-z0-9+.-]*://[^/?#@:\s]*:([^/?#@\s]+)@`)
	// urlQueryParam finds each name=value of a query string.
	urlQueryParam = regexp.MustCompile(`[?&;]([^=&#?;\s]+)=([^&#;\s]*)`)
)

// URLSecrets lists the credentials written into a URL (or URL template):
// the password of its userinfo and the values of query parameters such
// as api_key= or token=, as written and decoded. Template expressions
// ({{ … }}) are no credentials and are left out.
func URLSecrets(s string) []string {
	var out []string
	add := func(v string) {
		if v == "" || strings.Contains(v, "{{") || strings.Contains(v, "{%") {
			return
		}
		out = append(out, v)
		if d, err := url.QueryUnescape(v); err == nil && d != v {
			out = append(out, d)
		}
	}
	for _, m := range urlUserinfo.FindAllStringSubmatch(s, -1) {
		add(m[1])
	}
	for _, m := range urlQueryParam.FindAllStringSubmatch(s, -1) {
		if isSecretQuery(m[1]) {
			add(m[2])
		}
	}
	return out
}

// redactURL hides the credentials written into a URL in s: the password
// of its userinfo and the values of credential query parameters.
func redactURL(s string) string {
	if !strings.Contains(s, "://") && !strings.Contains(s, "=") {
		return s
	}
	s = replaceGroup(s, urlUserinfo, func([]string) bool { return true })
	return replaceGroup(s, urlQueryParam, func(m []string) bool { return isSecretQuery(m[1]) })
}

// replaceGroup replaces the last group of each match of re for which
// hide says so with Redacted.
func replaceGroup(s string, re *regexp.Regexp, hide func(m []string) bool) string {
	var b strings.Builder
	last := 0
	for _, idx := range re.FindAllStringSubmatchIndex(s, -1) {
		m := make([]string, len(idx)/2)
		for i := range m {
			if idx[2*i] >= 0 {
				m[i] = s[idx[2*i]:idx[2*i+1]]
			}
		}
		g := len(m) - 1
		start, end := idx[2*g], idx[2*g+1]
		if start < 0 || start == end || !hide(m) {
			continue
		}
		b.WriteString(s[last:start])
		b.WriteString(Redacted)
		last = end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// RedactedJSON renders the tree as compact JSON, as JSON does, with the
// credentials hidden by where they are: the value of every property named
// like a credential (IsSecretName), of credential headers in a "headers"
// object, of "key" inside a "validation", and the credentials written
// into URLs. Only non-empty values are hidden: an empty one holds nothing
// and shows what is not set.
func (n *Node) RedactedJSON() []byte {
	return n.appendRedacted(nil, false)
}

func (n *Node) appendRedacted(b []byte, inValidation bool) []byte {
	if n == nil {
		return append(b, "null"...)
	}
	switch n.Kind {
	case String:
		return appendQuoted(b, redactURL(n.Str))
	case Array:
		b = append(b, '[')
		for i, it := range n.Items {
			if i > 0 {
				b = append(b, ',')
			}
			b = it.appendRedacted(b, inValidation)
		}
		return append(b, ']')
	case Object:
		b = append(b, '{')
		for i, m := range n.Members {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(appendQuoted(b, m.Key), ':')
			key := strings.ToLower(m.Key)
			switch {
			case IsSecretName(m.Key) || inValidation && (key == "key" || key == "keys"):
				b = m.Value.appendHidden(b)
			case key == "headers" && m.Value.Kind == Object:
				b = m.Value.appendHeaders(b)
			default:
				b = m.Value.appendRedacted(b, inValidation || key == "validation")
			}
		}
		return append(b, '}')
	}
	return n.appendJSON(b)
}

// appendHeaders renders a headers object with credential header values
// hidden.
func (n *Node) appendHeaders(b []byte) []byte {
	b = append(b, '{')
	for i, m := range n.Members {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(appendQuoted(b, m.Key), ':')
		if IsSecretHeader(m.Key) {
			b = m.Value.appendHidden(b)
		} else {
			b = m.Value.appendRedacted(b, false)
		}
	}
	return append(b, '}')
}

// appendHidden renders a credential: every string or number in it becomes
// Redacted, keeping the shape (a list of secrets stays a list).
func (n *Node) appendHidden(b []byte) []byte {
	if n == nil {
		return append(b, "null"...)
	}
	switch n.Kind {
	case String:
		if n.Str == "" {
			return appendQuoted(b, "")
		}
		return appendQuoted(b, Redacted)
	case Number:
		return appendQuoted(b, Redacted)
	case Array:
		b = append(b, '[')
		for i, it := range n.Items {
			if i > 0 {
				b = append(b, ',')
			}
			b = it.appendHidden(b)
		}
		return append(b, ']')
	case Object:
		b = append(b, '{')
		for i, m := range n.Members {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(appendQuoted(b, m.Key), ':')
			b = m.Value.appendHidden(b)
		}
		return append(b, '}')
	}
	return n.appendJSON(b)
}

// NamedSecrets lists, for SecretHolder implementations, the credentials
// in a free-form value decoded from JSON (a REST payload, query params):
// strings under a credential name at any depth, and the credentials
// written into URLs.
func NamedSecrets(v any) []string {
	var out []string
	var walk func(v any, hidden bool)
	walk = func(v any, hidden bool) {
		switch x := v.(type) {
		case string:
			if hidden && x != "" {
				out = append(out, x)
			} else {
				out = append(out, URLSecrets(x)...)
			}
		case map[string]any:
			for k, e := range x {
				walk(e, hidden || IsSecretName(k))
			}
		case []any:
			for _, e := range x {
				walk(e, hidden)
			}
		}
	}
	walk(v, false)
	return out
}
