package entity

import (
	"unicode/utf8"
	"unsafe"

	"github.com/tidwall/gjson"
)

// Entity is one JSON object, as raw bytes.
type Entity []byte

// Reserved root properties that a dataset sets on every stored version.
const (
	PropID       = "_id"
	PropDeleted  = "_deleted"
	PropUpdated  = "_updated"
	PropPrevious = "_previous"
	PropHash     = "_hash"
	PropTS       = "_ts"
)

// ErrNotObject reports input that is not a JSON object.
var ErrNotObject error = &invalidError{msg: "entity is not a JSON object"}

// Check verifies that e is one valid JSON object with a non-empty string
// _id, in UTF-8, with no property given twice in one object: exactly what
// a dataset accepts.
func Check(e Entity) error {
	if !gjson.ValidBytes(e) {
		return invalid("entity is not valid JSON")
	}
	if !utf8.Valid(e) {
		return invalid("entity is not valid UTF-8")
	}
	_, err := Analyze(e)
	return err
}

// ID returns the entity's _id.
func ID(e Entity) (string, error) {
	return idOf(gjson.GetBytes(e, PropID))
}

// IDOf checks the value of an _id property, for callers that already
// have it in hand.
func IDOf(id gjson.Result) (string, error) { return idOf(id) }

// idOf checks the value of an _id property.
func idOf(id gjson.Result) (string, error) {
	switch {
	case !id.Exists():
		return "", invalid("entity has no _id")
	case id.Type != gjson.String:
		return "", invalid("entity _id must be a string, got %s", truncate(id.Raw, 80))
	case id.Str == "":
		return "", invalid("entity _id is empty")
	case len(id.Str) > MaxIDBytes:
		return "", invalid("entity _id is %d bytes long; an _id may be at most %d bytes (it starts %q)", len(id.Str), MaxIDBytes, truncate(id.Str, 40))
	}
	return id.Str, nil
}

// Deleted reports whether the entity is deleted: only `"_deleted": true` counts.
func Deleted(e Entity) bool {
	return gjson.GetBytes(e, PropDeleted).Type == gjson.True
}

// unsafeString views e as a string without copying, for gjson. Results that
// point into it must not outlive a change to e; entities are not changed in
// place anywhere in sluice.
func unsafeString(e []byte) string { return unsafe.String(unsafe.SliceData(e), len(e)) }
