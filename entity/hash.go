package entity

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"sync"

	"github.com/tidwall/gjson"
)

// HashSize is the size in bytes of a content hash.
const HashSize = 16

// Hash is the content hash of an entity: what decides whether a write is a
// new version or a no-op.
type Hash [HashSize]byte

// String returns the hash as the 32 hex digits stored in _hash.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// Facts are what a dataset needs to know about an entity to store it.
type Facts struct {
	ID      string
	Deleted bool
	// Hash covers _id, _deleted and every property whose name does not
	// start with "_". Object keys are sorted at every level, strings are
	// compared by their decoded value and insignificant white space is
	// ignored, so the same content gives the same hash whatever order or
	// escaping a source wrote it with. Numbers count as written: 1 and 1.0
	// differ.
	Hash Hash
}

// Analyzer reads entities for a dataset write in a single pass each. It
// reuses its buffers between calls and is not safe for concurrent use.
type Analyzer struct {
	s       scanner
	e       Entity
	deleted bool
}

// Analyze reads the _id, _deleted and content hash of e. e must be valid
// JSON (see Check); the error reports a missing or non-string _id.
func (a *Analyzer) Analyze(e Entity) (Facts, error) {
	a.e = e
	a.s.reset(e)
	var f Facts
	var rawID []byte
	err := a.s.rootObject(func(key string, raw []byte) bool {
		switch key {
		case PropID:
			rawID = raw
			return true
		case PropDeleted:
			f.Deleted = string(raw) == "true"
		}
		return !strings.HasPrefix(key, "_")
	})
	if err != nil {
		return f, err
	}
	if dup, ok := a.s.duplicateRootKey(); ok {
		return f, invalid("entity has the property %q twice", dup)
	}
	if f.Deleted {
		a.s.out = append(a.s.out, `"_deleted":true`...)
	}
	a.deleted = f.Deleted
	sum := sha256.Sum256(a.s.out)
	copy(f.Hash[:], sum[:HashSize])
	f.ID, err = decodeID(rawID)
	return f, err
}

// decodeID checks and decodes the raw JSON of an _id.
func decodeID(raw []byte) (string, error) {
	if raw == nil {
		return idOf(gjson.Result{})
	}
	if raw[0] != '"' {
		return idOf(gjson.Result{Type: gjson.Number, Raw: string(raw)})
	}
	var id string
	if err := json.Unmarshal(raw, &id); err != nil {
		return "", errSyntax
	}
	return idOf(gjson.Result{Type: gjson.String, Str: id})
}

var analyzers = sync.Pool{New: func() any { return new(Analyzer) }}

// ContentHash returns the content hash of e (see Facts.Hash).
func ContentHash(e Entity) Hash {
	a := analyzers.Get().(*Analyzer)
	defer analyzers.Put(a)
	f, _ := a.Analyze(e)
	return f.Hash
}

// Analyze is Analyzer.Analyze with a pooled Analyzer.
func Analyze(e Entity) (Facts, error) {
	a := analyzers.Get().(*Analyzer)
	defer analyzers.Put(a)
	return a.Analyze(e)
}
