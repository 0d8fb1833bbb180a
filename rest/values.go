package rest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/sluice-sync/sluice/dtl"
)

// DecodeTemplateJSON decodes JSON into values for templates: numbers
// become int64, *big.Int or float64 (see fromJSONNumbers).
func DecodeTemplateJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return fromJSONNumbers(v), nil
}

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

// plainValue turns a DTL value into plain JSON values for the "json"
// payload type, without transit encoding: a datetime as RFC 3339 text, a
// decimal as a JSON number, an NI as "ns:id", URIs, UUIDs and bytes (base64)
// as strings; strings stay what they are.
func plainValue(v dtl.Value) any {
	switch x := v.(type) {
	case *dtl.Dict:
		m := make(map[string]any, x.Len())
		x.Range(func(k string, e dtl.Value) bool {
			m[k] = plainValue(e)
			return true
		})
		return m
	case dtl.List:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = plainValue(e)
		}
		return l
	case *apd.Decimal:
		return json.Number(x.Text('f'))
	case nil, bool, int64, *big.Int, float64, string:
		return x
	case time.Time:
		return dtl.FormatDatetime(x)
	case dtl.NI:
		if x.NS == "" {
			return x.ID
		}
		return x.NS + ":" + x.ID
	case dtl.URI:
		return string(x)
	case dtl.UUID:
		return string(x)
	case dtl.Bytes:
		return base64.StdEncoding.EncodeToString(x)
	}
	return fmt.Sprint(v)
}
