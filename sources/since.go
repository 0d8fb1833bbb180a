package sources

import "github.com/tidwall/gjson"

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
