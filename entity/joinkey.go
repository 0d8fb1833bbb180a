package entity

import (
	"crypto/sha256"
	"encoding/hex"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// JoinKeys calls fn with the join key of every value found at path in the
// entity, walking the way DTL paths do: through a list, each element is
// visited, and list values are flattened one level. Nulls, objects and
// nested lists have no key: they never match a join.
func JoinKeys(e []byte, path []string, fn func(key string)) {
	walkJoin(gjson.ParseBytes(e), path, fn)
}

func walkJoin(v gjson.Result, path []string, fn func(string)) {
	if len(path) == 0 {
		if v.IsArray() {
			v.ForEach(func(_, x gjson.Result) bool {
				if k, ok := JoinKey(x); ok {
					fn(k)
				}
				return true
			})
			return
		}
		if k, ok := JoinKey(v); ok {
			fn(k)
		}
		return
	}
	switch {
	case v.IsObject():
		walkJoin(member(v, path[0]), path[1:], fn)
	case v.IsArray():
		v.ForEach(func(_, x gjson.Result) bool {
			if x.IsObject() {
				walkJoin(member(x, path[0]), path[1:], fn)
			}
			return true
		})
	}
}

// member finds a member of an object by its exact name (gjson paths would
// give *, ?, [ and friends a meaning).
func member(obj gjson.Result, name string) gjson.Result {
	var found gjson.Result
	obj.ForEach(func(k, v gjson.Result) bool {
		if k.Str == name {
			found = v
			return false
		}
		return true
	})
	return found
}

// JoinKey is the index form of one scalar JSON value. Values that DTL's eq
// finds equal get equal keys: 1 and 1.0 both become "n1".
func JoinKey(v gjson.Result) (string, bool) {
	switch v.Type {
	case gjson.String:
		return stringKey(v.Str), true
	case gjson.True:
		return "b1", true
	case gjson.False:
		return "b0", true
	case gjson.Number:
		return "n" + canonicalNumber(v.Raw), true
	}
	return "", false
}

// maxKeyLen bounds index keys (Badger refuses keys over 65000 bytes);
// longer keys are replaced by their SHA-256.
const maxKeyLen = 512

// stringKey gives transit-encoded datetimes and decimals the key of the
// value they stand for, so "~t…" in two notations, or "~f1.0" and 1, match
// as DTL's eq says they are equal.
func stringKey(s string) string {
	var k string
	switch {
	case strings.HasPrefix(s, "~~"):
		k = "s" + s[1:] // an escaped plain string: key its value
	case strings.HasPrefix(s, "~t"):
		if t, err := time.Parse(time.RFC3339Nano, s[2:]); err == nil {
			k = "t" + t.UTC().Format(time.RFC3339Nano)
		}
	case strings.HasPrefix(s, "~f"):
		if n, ok := numberKey(s[2:]); ok {
			k = "n" + n
		}
	case strings.HasPrefix(s, "~u"):
		k = "s" + strings.ToLower(s) // DTL reads UUIDs in either case as one value
	}
	if k == "" {
		k = "s" + s
	}
	if len(k) > maxKeyLen {
		sum := sha256.Sum256([]byte(k))
		return "h" + hex.EncodeToString(sum[:])
	}
	return k
}

// canonicalNumber gives every spelling of the same number one key, exactly:
// 1, 1.0, 1e0 and -0.0/0 agree; 0.1 keys as 1/10. Exponents beyond ±400
// (far outside float64) keep their text rather than expanding.
func canonicalNumber(raw string) string {
	if n, ok := numberKey(raw); ok {
		return n
	}
	return raw
}

// numberKey is canonicalNumber for text that may not be a number at all.
func numberKey(raw string) (string, bool) {
	if raw == "" {
		return "", false
	}
	if !strings.ContainsAny(raw, ".eE") {
		if b, ok := new(big.Int).SetString(raw, 10); ok {
			return b.String(), true
		}
		return "", false
	}
	if i := strings.IndexAny(raw, "eE"); i >= 0 {
		exp, err := strconv.Atoi(strings.TrimPrefix(raw[i+1:], "+"))
		if err != nil {
			return "", false
		}
		if exp > 400 || exp < -400 {
			return raw, true
		}
	}
	r, ok := new(big.Rat).SetString(raw)
	if !ok {
		return "", false
	}
	return r.RatString(), true
}
