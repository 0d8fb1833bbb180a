package component

import (
	"math/big"
	"strings"
)

// CompareSince orders two continuation tokens: numerically when both are
// numbers (exactly, whatever their size), otherwise as text — Sesam's
// "is_since_comparable" contract. It is here because every source that
// keeps the largest token it saw must order them alike.
func CompareSince(a, b string) int {
	x, okA := new(big.Float).SetPrec(256).SetString(a)
	y, okB := new(big.Float).SetPrec(256).SetString(b)
	if okA && okB {
		return x.Cmp(y)
	}
	return strings.Compare(a, b)
}
