package entity

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// ErrInvalid is matched (errors.Is) by every error that says an entity is
// not one a dataset accepts, so a caller can tell bad input (a 400 for a
// receiver) from a failure of its own.
var ErrInvalid = errors.New("invalid entity")

// MaxIDBytes is the longest _id, in bytes, a dataset stores. An _id is part
// of several store keys, whose size Badger caps at 65,000 bytes, and of
// every index entry: ids far longer than real ones are refused up front.
const MaxIDBytes = 8 << 10

type invalidError struct{ msg string }

func (e *invalidError) Error() string        { return e.msg }
func (e *invalidError) Is(target error) bool { return target == ErrInvalid }

// invalid makes an error matching ErrInvalid.
func invalid(format string, args ...any) error {
	return &invalidError{msg: fmt.Sprintf(format, args...)}
}

// truncate shortens s to at most n bytes, on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
