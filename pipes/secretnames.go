package pipes

import (
	"net/url"
	"regexp"
	"slices"
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
	return n.redacted(false).appendJSON(nil)
}

// redacted copies the tree with credentials hidden (see RedactedJSON).
func (n *Node) redacted(inValidation bool) *Node {
	if n == nil {
		return nil
	}
	c := *n
	switch n.Kind {
	case String:
		c.Str = redactURL(n.Str)
	case Array:
		c.Items = make([]*Node, len(n.Items))
		for i, it := range n.Items {
			c.Items[i] = it.redacted(inValidation)
		}
	case Object:
		c.Members = slices.Clone(n.Members)
		for i, m := range n.Members {
			key := strings.ToLower(m.Key)
			v := &c.Members[i].Value
			switch {
			case IsSecretName(m.Key) || inValidation && (key == "key" || key == "keys"):
				*v = m.Value.hidden()
			case key == "headers" && m.Value.Kind == Object:
				*v = m.Value.redactedHeaders()
			default:
				*v = m.Value.redacted(inValidation || key == "validation")
			}
		}
	}
	return &c
}

// redactedHeaders copies a headers object with credential header values
// hidden.
func (n *Node) redactedHeaders() *Node {
	c := *n
	c.Members = slices.Clone(n.Members)
	for i, m := range n.Members {
		if IsSecretHeader(m.Key) {
			c.Members[i].Value = m.Value.hidden()
		} else {
			c.Members[i].Value = m.Value.redacted(false)
		}
	}
	return &c
}

// hidden copies a credential with every non-empty string and every number
// in it replaced by Redacted, keeping the shape (a list of secrets stays a
// list).
func (n *Node) hidden() *Node {
	if n == nil {
		return nil
	}
	c := *n
	switch n.Kind {
	case String:
		if n.Str != "" {
			c.Str = Redacted
		}
	case Number:
		c = Node{Kind: String, Str: Redacted, Pos: n.Pos, Pointer: n.Pointer}
	case Array:
		c.Items = make([]*Node, len(n.Items))
		for i, it := range n.Items {
			c.Items[i] = it.hidden()
		}
	case Object:
		c.Members = slices.Clone(n.Members)
		for i, m := range n.Members {
			c.Members[i].Value = m.Value.hidden()
		}
	}
	return &c
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
