package rest

import (
	"encoding/json"
	"math/big"
	"strings"
)

// fromJSONNumbers replaces json.Number values by int64, *big.Int or
// float64, so templates print 12 as "12", not "12.0".
func fromJSONNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		s := string(x)
		if !strings.ContainsAny(s, ".eE") {
			if n, err := x.Int64(); err == nil {
				return n
			}
			if b, ok := new(big.Int).SetString(s, 10); ok {
				return b
			}
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = fromJSONNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = fromJSONNumbers(e)
		}
	}
	return v
}

// plainJSON strips transit encoding from a value, for the "json" payload
// type: "~t2020-…" becomes "2020-…", "~:ns:id" becomes "ns:id", "~~x"
// becomes "~x", and a decimal "~f1.5" becomes the number 1.5.
func plainJSON(v any) any {
	switch x := v.(type) {
	case string:
		if len(x) < 2 || x[0] != '~' {
			return x
		}
		switch x[1] {
		case '~', 't', ':', 'r', 'u', 'b':
			return x[2:]
		case 'f':
			return json.Number(x[2:])
		}
		return x
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = plainJSON(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = plainJSON(e)
		}
		return l
	}
	return v
}
