package entity

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/tidwall/gjson"
)

// Version is what a dataset adds to an entity when it stores a version.
type Version struct {
	Offset   uint64 // becomes _updated
	Previous int64  // offset of the prior version, or -1 for none (_previous is then null)
	Hash     Hash
	TS       int64 // write time in microseconds since the epoch
	Deleted  bool
}

// AppendStored appends the stored form of the entity last analysed: its own
// properties (white space removed) except the reserved ones the dataset
// owns, followed by _deleted, _hash, _previous, _ts and _updated.
func (a *Analyzer) AppendStored(dst []byte, v Version) []byte {
	dst = append(dst, '{')
	first := true
	for _, m := range a.s.root {
		switch m.key {
		case PropDeleted, PropUpdated, PropPrevious, PropHash, PropTS:
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, a.e[m.rawKey[0]:m.rawKey[1]]...)
		dst = append(dst, ':')
		raw := a.e[m.rawValue[0]:m.rawValue[1]]
		if m.needsSpace {
			dst = appendCompact(dst, raw)
		} else {
			dst = append(dst, raw...)
		}
	}
	if !first {
		dst = append(dst, ',')
	}
	dst = append(dst, `"_deleted":`...)
	dst = strconv.AppendBool(dst, v.Deleted)
	dst = append(dst, `,"_hash":"`...)
	dst = append(dst, v.Hash.String()...)
	dst = append(dst, `","_previous":`...)
	if v.Previous < 0 {
		dst = append(dst, "null"...)
	} else {
		dst = strconv.AppendInt(dst, v.Previous, 10)
	}
	dst = append(dst, `,"_ts":`...)
	dst = strconv.AppendInt(dst, v.TS, 10)
	dst = append(dst, `,"_updated":`...)
	dst = strconv.AppendUint(dst, v.Offset, 10)
	return append(dst, '}')
}

// AppendStored is Analyzer.AppendStored for one entity.
func AppendStored(dst []byte, e Entity, v Version) []byte {
	a := analyzers.Get().(*Analyzer)
	defer analyzers.Put(a)
	if _, err := a.Analyze(e); err != nil && a.s.root == nil {
		return append(dst, e...)
	}
	return a.AppendStored(dst, v)
}

func appendCompact(dst, raw []byte) []byte {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return append(dst, raw...)
	}
	return append(dst, b.Bytes()...)
}

// WithDeleted returns a copy of e marked deleted, as deletion tracking
// writes it: the same properties with _deleted set to true.
func WithDeleted(e Entity) Entity {
	out := make([]byte, 0, len(e)+20)
	out = append(out, '{')
	first := true
	gjson.Parse(unsafeString(e)).ForEach(func(k, val gjson.Result) bool {
		if k.Str == PropDeleted {
			return true
		}
		if !first {
			out = append(out, ',')
		}
		first = false
		out = append(out, k.Raw...)
		out = append(out, ':')
		out = append(out, val.Raw...)
		return true
	})
	if !first {
		out = append(out, ',')
	}
	out = append(out, `"_deleted":true}`...)
	return out
}
