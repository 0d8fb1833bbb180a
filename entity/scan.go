package entity

import (
	"encoding/json"
	"slices"
	"strings"
)

// errSyntax reports input the scanner cannot read. Untrusted input is
// checked with Check first, so this only guards against misuse.
var errSyntax error = &invalidError{msg: "entity is not valid JSON"}

// span is a root member of the entity being analysed.
type span struct {
	key        string // decoded
	rawKey     [2]int // quoted key in the input
	rawValue   [2]int // value in the input
	needsSpace bool   // the value has white space between tokens
}

// sortable is a member written to the canonical buffer, for sorting.
type sortable struct {
	key        string
	start, end int
}

// scanner walks an entity once, writing the canonical form that is hashed
// (sorted keys at every level, decoded strings, no white space) and noting
// the root members so the stored form can be built without parsing again.
type scanner struct {
	in      []byte
	pos     int
	out     []byte
	members []sortable // a stack shared by nested objects
	tmp     []byte
	root    []span
	space   bool // white space seen in the current root value
}

func (s *scanner) reset(in []byte) {
	s.in, s.pos = in, 0
	s.out, s.tmp = s.out[:0], s.tmp[:0]
	s.members, s.root = s.members[:0], s.root[:0]
}

func (s *scanner) ws() {
	for s.pos < len(s.in) {
		switch s.in[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
			s.space = true
		default:
			return
		}
	}
}

func (s *scanner) peek() byte {
	if s.pos < len(s.in) {
		return s.in[s.pos]
	}
	return 0
}

// rootObject scans the entity: keep says which root members are hashed.
func (s *scanner) rootObject(keep func(key string, raw []byte) bool) error {
	s.ws()
	if s.peek() != '{' {
		return ErrNotObject
	}
	return s.object(true, keep)
}

func (s *scanner) object(root bool, keep func(string, []byte) bool) error {
	s.pos++ // '{'
	base := len(s.members)
	sorted := true
	s.out = append(s.out, '{')
	s.ws()
	if s.peek() == '}' {
		s.pos++
		s.out = append(s.out, '}')
		return nil
	}
	for {
		s.ws()
		keyStart := s.pos
		key, err := s.readString()
		if err != nil {
			return err
		}
		keyEnd := s.pos
		s.ws()
		if s.peek() != ':' {
			return errSyntax
		}
		s.pos++
		s.ws()
		start := len(s.out)
		if root {
			s.space = false
		}
		valueStart := s.pos
		s.appendString(key)
		s.out = append(s.out, ':')
		if err := s.value(); err != nil {
			return err
		}
		hashed := true
		if root {
			s.root = append(s.root, span{key, [2]int{keyStart, keyEnd}, [2]int{valueStart, s.pos}, s.space})
			hashed = keep == nil || keep(key, s.in[valueStart:s.pos])
		}
		if hashed {
			s.out = append(s.out, ',')
			if n := len(s.members); n > base && s.members[n-1].key > key {
				sorted = false
			}
			s.members = append(s.members, sortable{key, start, len(s.out)})
		} else {
			s.out = s.out[:start]
		}
		s.ws()
		switch s.peek() {
		case ',':
			s.pos++
			continue
		case '}':
			s.pos++
		default:
			return errSyntax
		}
		break
	}
	if !sorted {
		s.sortMembers(base)
	}
	ms := s.members[base:] // sorted: equal keys are neighbours
	for i := 1; i < len(ms); i++ {
		if ms[i].key == ms[i-1].key {
			return invalid("entity has the property %q twice in one object", ms[i].key)
		}
	}
	s.members = s.members[:base]
	s.out = append(s.out, '}')
	return nil
}

// sortMembers reorders the canonical bytes of the members above base.
func (s *scanner) sortMembers(base int) {
	ms := s.members[base:]
	regionStart := ms[0].start
	s.tmp = append(s.tmp[:0], s.out[regionStart:]...)
	slices.SortFunc(ms, func(a, b sortable) int { return strings.Compare(a.key, b.key) })
	s.out = s.out[:regionStart]
	for _, m := range ms {
		s.out = append(s.out, s.tmp[m.start-regionStart:m.end-regionStart]...)
	}
}

func (s *scanner) value() error {
	switch c := s.peek(); {
	case c == '{':
		return s.object(false, nil)
	case c == '[':
		s.pos++
		s.out = append(s.out, '[')
		s.ws()
		if s.peek() == ']' {
			s.pos++
			s.out = append(s.out, ']')
			return nil
		}
		for {
			s.ws()
			if err := s.value(); err != nil {
				return err
			}
			s.out = append(s.out, ',')
			s.ws()
			switch s.peek() {
			case ',':
				s.pos++
				continue
			case ']':
				s.pos++
				s.out = append(s.out, ']')
				return nil
			}
			return errSyntax
		}
	case c == '"':
		str, err := s.readString()
		if err != nil {
			return err
		}
		s.appendString(str)
		return nil
	case c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n':
		start := s.pos
		for s.pos < len(s.in) {
			switch s.in[s.pos] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				s.out = append(s.out, s.in[start:s.pos]...)
				return nil
			}
			s.pos++
		}
		s.out = append(s.out, s.in[start:s.pos]...)
		return nil
	}
	return errSyntax
}

// readString reads a quoted string at pos and returns its decoded value.
// Without escapes the result points into the input.
func (s *scanner) readString() (string, error) {
	if s.peek() != '"' {
		return "", errSyntax
	}
	start := s.pos
	escaped := false
	for i := start + 1; i < len(s.in); i++ {
		switch s.in[i] {
		case '\\':
			escaped = true
			i++
		case '"':
			s.pos = i + 1
			if !escaped {
				return unsafeString(s.in[start+1 : i]), nil
			}
			var str string
			if err := json.Unmarshal(s.in[start:i+1], &str); err != nil {
				return "", errSyntax
			}
			return str, nil
		}
	}
	return "", errSyntax
}

// appendString writes a string unambiguously: a quote, its length, its bytes.
func (s *scanner) appendString(str string) {
	s.out = append(s.out, '"')
	x := uint64(len(str))
	for x >= 0x80 {
		s.out = append(s.out, byte(x)|0x80)
		x >>= 7
	}
	s.out = append(s.out, byte(x))
	s.out = append(s.out, str...)
}

// duplicateRootKey finds a root property name that occurs twice. Readers
// disagree on which of two equal keys wins, so such entities are refused
// rather than stored ambiguously.
func (s *scanner) duplicateRootKey() (string, bool) {
	if len(s.root) <= 16 {
		for i := range s.root {
			for j := i + 1; j < len(s.root); j++ {
				if s.root[i].key == s.root[j].key {
					return s.root[i].key, true
				}
			}
		}
		return "", false
	}
	seen := make(map[string]bool, len(s.root))
	for _, m := range s.root {
		if seen[m.key] {
			return m.key, true
		}
		seen[m.key] = true
	}
	return "", false
}
