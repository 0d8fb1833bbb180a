package rest

import "github.com/sluice-sync/sluice/dtl"

// transitStrings escapes strings that would read back as typed values
// ("~x" → "~~x"), for a configured payload sent as "json-transit".
func transitStrings(v any) any {
	switch x := v.(type) {
	case string:
		return dtl.ToTransit(x)
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = transitStrings(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = transitStrings(e)
		}
		return l
	}
	return v
}
