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
		walkJoin(v.Get(escapePath(path[0])), path[1:], fn)
	case v.IsArray():
		v.ForEach(func(_, x gjson.Result) bool {
			if x.IsObject() {
				walkJoin(x.Get(escapePath(path[0])), path[1:], fn)
			}
			return true
		})
	}
}

// escapePath quotes gjson's special characters so a property name is
// looked up literally.
func escapePath(s string) string {
	if !strings.ContainsAny(s, `.*?|#@\!=<>%`) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`.*?|#@\!=<>%`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
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
		if _, err := strconv.ParseFloat(s[2:], 64); err == nil {
			k = "n" + canonicalNumber(s[2:])
		}
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
	if !strings.ContainsAny(raw, ".eE") {
		if raw == "-0" {
			return "0"
		}
		return raw
	}
	if i := strings.IndexAny(raw, "eE"); i >= 0 {
		exp, err := strconv.Atoi(strings.TrimPrefix(raw[i+1:], "+"))
		if err != nil || exp > 400 || exp < -400 {
			return raw
		}
	}
	r, ok := new(big.Rat).SetString(raw)
	if !ok {
		return raw
	}
	return r.RatString()
}
