package jinja

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

// DecodeJSON decodes JSON into values for templates: numbers become
// int64, *big.Int or float64 (see fromJSONNumbers).
func DecodeJSON(b []byte) (any, error) {
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

// Plain turns a DTL value into plain JSON values, without transit
// encoding, as Sesam's Jinja renders them: a datetime as RFC 3339 text, a
// decimal as a JSON number, an NI as "ns:id", URIs, UUIDs and bytes
// (base64) as strings; strings stay what they are.
func Plain(v dtl.Value) any {
	switch x := v.(type) {
	case *dtl.Dict:
		m := make(map[string]any, x.Len())
		x.Range(func(k string, e dtl.Value) bool {
			m[k] = Plain(e)
			return true
		})
		return m
	case dtl.List:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = Plain(e)
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

// Members is the key in a template's variables of a *dtl.Dict whose
// members are variables too, below the ones the map names itself (Sesam's
// id templates see the entity's members at the top level). Variables may
// hold *dtl.Dict values: the simple templates read them directly, and the
// Jinja engine gets plain maps made on demand (see materialize), so an
// entity is not converted unless a template needs it.
const Members = "\x00members"

// materialize gives the Jinja engine plain values: dicts become maps and
// the Members dict's members become top-level variables (unless a variable
// of the same name is set).
func materialize(vars map[string]any) map[string]any {
	out := make(map[string]any, len(vars)+8)
	if d, ok := vars[Members].(*dtl.Dict); ok {
		for k, v := range Plain(d).(map[string]any) {
			out[k] = v
		}
	}
	for k, v := range vars {
		if k == Members {
			continue
		}
		if d, ok := v.(*dtl.Dict); ok {
			out[k] = Plain(d)
		} else {
			out[k] = v
		}
	}
	return out
}

// lookupVar finds the first step of a variable path.
func lookupVar(vars map[string]any, name string) (any, bool) {
	if v, ok := vars[name]; ok {
		return v, true
	}
	if d, ok := vars[Members].(*dtl.Dict); ok {
		return d.Get(name)
	}
	return nil, false
}
