package dtl

import (
	"strings"
	"unicode/utf8"
)

// wildcard is a compiled set of property-name patterns with * and ?.
type wildcard struct {
	patterns []string
	ns       bool // namespaced identifiers: "age" matches "x:age" too
}

func (w wildcard) match(name string) bool {
	for _, p := range w.patterns {
		if w.ns {
			if matchNS(p, name) {
				return true
			}
			continue
		}
		if globMatch(p, name) {
			return true
		}
	}
	return false
}

// matchNS matches with the last colon of the pattern separating the
// namespace from the identifier; a pattern without one matches the
// identifier in any namespace.
func matchNS(p, name string) bool {
	pi := strings.LastIndexByte(p, ':')
	ni := strings.LastIndexByte(name, ':')
	if pi < 0 {
		return globMatch(p, name[ni+1:])
	}
	if ni < 0 {
		return false
	}
	return globMatch(p[:pi], name[:ni]) && globMatch(p[pi+1:], name[ni+1:])
}

// globMatch reports whether s matches pattern p, where * matches any run
// of characters (including none) and ? any single character. It
// backtracks only to the last *, so it runs in O(len(p)*len(s)) at worst.
func globMatch(p, s string) bool {
	star, mark := -1, 0
	pi, si := 0, 0
	for si < len(s) {
		switch {
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case pi < len(p) && (p[pi] == '?' || p[pi] == s[si]):
			if p[pi] == '?' {
				_, size := utf8.DecodeRuneInString(s[si:])
				si += size
			} else {
				si++
			}
			pi++
		case star >= 0:
			pi = star + 1
			_, size := utf8.DecodeRuneInString(s[mark:])
			mark += size
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
