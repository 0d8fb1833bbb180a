package entity

import (
	"errors"
	"fmt"
)

// EachMember calls fn with the raw bytes of each member of a JSON object,
// in order: the key as written (quoted, escapes and all) and the value as
// written. It reads the object once and decodes nothing, for callers that
// copy members through (a webhook payload). Invalid JSON gives an error,
// though not every invalidity is caught: pass only checked entities.
func EachMember(e []byte, fn func(key, value []byte) error) error {
	i := skipSpace(e, 0)
	if i >= len(e) || e[i] != '{' {
		return errors.New("an entity must be a JSON object")
	}
	i = skipSpace(e, i+1)
	if i < len(e) && e[i] == '}' {
		return nil
	}
	for {
		if i >= len(e) || e[i] != '"' {
			return fmt.Errorf("offset %d: expected a property name", i)
		}
		kEnd, err := skipString(e, i)
		if err != nil {
			return err
		}
		key := e[i:kEnd]
		i = skipSpace(e, kEnd)
		if i >= len(e) || e[i] != ':' {
			return fmt.Errorf("offset %d: expected a colon", i)
		}
		i = skipSpace(e, i+1)
		vEnd, err := skipValue(e, i)
		if err != nil {
			return err
		}
		if err := fn(key, e[i:vEnd]); err != nil {
			return err
		}
		i = skipSpace(e, vEnd)
		switch {
		case i < len(e) && e[i] == ',':
			i = skipSpace(e, i+1)
		case i < len(e) && e[i] == '}':
			return nil
		default:
			return fmt.Errorf("offset %d: expected a comma or the end of the object", i)
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the offset just past the string that starts at i.
func skipString(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return 0, fmt.Errorf("offset %d: unterminated string", i)
}

// skipValue returns the offset just past the value that starts at i.
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errors.New("unexpected end of the entity")
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, err := skipString(b, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, fmt.Errorf("offset %d: unterminated object or list", i)
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
		j++
	}
	if j == i {
		return 0, fmt.Errorf("offset %d: expected a value", i)
	}
	return j, nil
}
