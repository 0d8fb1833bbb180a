package pipes

import (
	"regexp"
	"slices"
	"strings"
)

// Lookup finds a named value; ok is false when it is not set.
type Lookup func(name string) (value string, ok bool)

var reference = regexp.MustCompile(`\$(ENV|SECRET)\(([^()]*)\)`)

// substitute replaces $ENV(name) and $SECRET(name) in every string value of
// the tree. A string that is exactly one $ENV(name) whose value is a JSON
// array or object becomes that array or object; everything else is
// substituted as text, so a value never changes a field's type by surprise.
// It returns the secret values used, for redaction.
func substitute(root *Node, env, secrets Lookup, errs *Errors) (used []string) {
	root.Walk(func(n *Node) bool {
		if n.Kind != String || !strings.Contains(n.Str, "$") {
			return true
		}
		matches := reference.FindAllStringSubmatchIndex(n.Str, -1)
		if matches == nil {
			return true
		}
		if len(matches) == 1 && matches[0][0] == 0 && matches[0][1] == len(n.Str) && n.Str[1:4] == "ENV" {
			name := n.Str[matches[0][4]:matches[0][5]]
			if v, ok := env(name); ok && isStructured(v) {
				if parsed, err := Parse("$ENV("+name+")", []byte(v)); err == nil {
					replaceNode(n, parsed)
					return false
				}
			}
		}
		var b strings.Builder
		last := 0
		for _, m := range matches {
			kind, name := n.Str[m[2]:m[3]], n.Str[m[4]:m[5]]
			b.WriteString(n.Str[last:m[0]])
			last = m[1]
			if name == "" {
				errs.Add(n, "$%s() needs a name", kind)
				continue
			}
			if kind == "ENV" {
				v, ok := env(name)
				if !ok {
					errs.Add(n, "environment variable %q is not set", name)
				}
				b.WriteString(v)
				continue
			}
			v, ok := secrets(name)
			if !ok {
				errs.Add(n, "secret %q is not set (set the environment variable SLUICE_SECRET_%s or put it in the --secrets file)", name, name)
			}
			b.WriteString(v)
			if v != "" {
				used = append(used, v)
			}
			n.Secret = true
		}
		b.WriteString(n.Str[last:])
		n.Str = b.String()
		return true
	})
	return used
}

func isStructured(v string) bool {
	v = strings.TrimSpace(v)
	return strings.HasPrefix(v, "[") || strings.HasPrefix(v, "{")
}

// replaceNode puts a parsed value where n is, keeping n's place in the file
// so errors inside the value still point at the reference.
func replaceNode(n, v *Node) {
	pos, ptr := n.Pos, n.Pointer
	*n = *v
	n.Walk(func(c *Node) bool {
		c.Pos = pos
		c.Pointer = ptr + c.Pointer
		return true
	})
	for i := range n.Members {
		n.Members[i].KeyPos = pos
	}
}

// Redact replaces every secret value the config used with "***", for text
// that is about to be logged or shown.
func (c *Config) Redact(s string) string {
	for _, v := range c.secrets {
		if len(v) >= minRedacted {
			s = strings.ReplaceAll(s, v, Redacted)
		}
	}
	return s
}

// addSecrets adds values for Redact to hide, keeping the longest first so
// that a secret holding a shorter one (a "whsec_" secret and its key) is
// hidden whole.
func (c *Config) addSecrets(values ...string) {
	for _, v := range values {
		if v != "" && !slices.Contains(c.secrets, v) {
			c.secrets = append(c.secrets, v)
		}
	}
	slices.SortStableFunc(c.secrets, func(a, b string) int { return len(b) - len(a) })
}

// minRedacted is the shortest secret Redact replaces: shorter values would
// garble ordinary text, and are no secret anyway.
const minRedacted = 3
