package sources

import (
	"math/big"
	"strings"

	"github.com/tidwall/gjson"
)

// sinceValue turns an entity's _updated value into a continuation token:
// numbers as written, strings as their text.
func sinceValue(v gjson.Result) (string, bool) {
	switch v.Type {
	case gjson.Number:
		return v.Raw, true
	case gjson.String:
		return v.Str, true
	}
	return "", false
}

// CompareSince orders two continuation tokens: numerically when both are
// numbers (exactly, whatever their size), otherwise as text — Sesam's
// "is_since_comparable" contract.
func CompareSince(a, b string) int {
	x, okA := new(big.Float).SetPrec(256).SetString(a)
	y, okB := new(big.Float).SetPrec(256).SetString(b)
	if okA && okB {
		return x.Cmp(y)
	}
	return strings.Compare(a, b)
}
