package dtl

import (
	"slices"
	"strings"
)

// Dict is an ordered DTL dictionary. Members decoded from JSON may be held
// as raw, still-encoded bytes until something reads them: a "copy *" of a
// source entity then moves bytes from input to output without ever building
// values, which is what keeps the common rule shapes fast.
//
// A Dict is owned by one evaluation at a time; Get resolves raw members in
// place, so a Dict must not be read from several goroutines at once.
type Dict struct {
	members []member
	idx     map[string]int // built once the dict grows past indexAt
}

// member is one key and its value; raw != nil means val is not decoded yet.
type member struct {
	key string
	val Value
	raw []byte
}

// indexAt is the size past which a dict builds a map index; below it a
// linear scan over the keys is faster than hashing.
const indexAt = 32

// NewDict returns an empty dict with room for n members.
func NewDict(n int) *Dict {
	return &Dict{members: make([]member, 0, n)}
}

// Len is the number of members.
func (d *Dict) Len() int {
	if d == nil {
		return 0
	}
	return len(d.members)
}

// Keys returns the keys in order, in a new slice. Keys are copies: the
// dict's own may refer to the input it was decoded from (DecodeEntity),
// and what functions take from a dict may outlive that input.
func (d *Dict) Keys() []string {
	if d == nil {
		return nil
	}
	out := make([]string, len(d.members))
	for i := range d.members {
		out[i] = strings.Clone(d.members[i].key)
	}
	return out
}

func (d *Dict) find(k string) int {
	if d == nil {
		return -1
	}
	if d.idx != nil {
		if i, ok := d.idx[k]; ok {
			return i
		}
		return -1
	}
	for i := range d.members {
		if d.members[i].key == k {
			return i
		}
	}
	return -1
}

// Has reports whether k is a member.
func (d *Dict) Has(k string) bool { return d.find(k) >= 0 }

// Get returns the value of member k.
func (d *Dict) Get(k string) (Value, bool) {
	i := d.find(k)
	if i < 0 {
		return nil, false
	}
	return d.At(i), true
}

// Raw returns member k as JSON text: the input's own bytes while the member
// is undecoded, else its transit encoding. ok is false when k is absent.
func (d *Dict) Raw(k string) (raw []byte, ok bool) {
	i := d.find(k)
	if i < 0 {
		return nil, false
	}
	if m := d.members[i]; m.raw != nil {
		return m.raw, true
	}
	return AppendJSON(nil, d.members[i].val), true
}

// At returns the value of the i-th member, decoding it if needed.
func (d *Dict) At(i int) Value {
	m := &d.members[i]
	if m.raw != nil {
		v, err := decodeRaw(m.raw)
		if err != nil {
			v = nil // raw members come from validated input; keep going
		}
		m.val, m.raw = v, nil
	}
	return m.val
}

// Set adds or replaces member k.
func (d *Dict) Set(k string, v Value) {
	if i := d.find(k); i >= 0 {
		d.members[i] = member{key: k, val: v}
		return
	}
	d.push(member{key: k, val: v})
}

func (d *Dict) push(m member) {
	d.members = append(d.members, m)
	if d.idx != nil {
		d.idx[m.key] = len(d.members) - 1
	} else if len(d.members) > indexAt {
		d.reindex()
	}
}

func (d *Dict) reindex() {
	d.idx = nil
	if len(d.members) > indexAt {
		d.idx = make(map[string]int, len(d.members)*2)
		for i := range d.members {
			d.idx[d.members[i].key] = i
		}
	}
}

// CopyFrom copies member i of src to d without decoding it (a raw member
// stays raw), replacing a member with the same key.
func (d *Dict) CopyFrom(src *Dict, i int) { d.CopyFromAs(src, i, src.members[i].key) }

// CopyFromAs is CopyFrom under another key.
func (d *Dict) CopyFromAs(src *Dict, i int, key string) {
	m := src.members[i]
	m.key = key
	if j := d.find(key); j >= 0 {
		d.members[j] = m
		return
	}
	d.push(m)
}

// Delete removes member k, keeping the order of the rest.
func (d *Dict) Delete(k string) {
	d.DeleteFunc(func(key string) bool { return key == k })
}

// DeleteFunc removes every member whose key del reports, in one pass that
// keeps the order of the rest.
func (d *Dict) DeleteFunc(del func(key string) bool) {
	n := len(d.members)
	d.members = slices.DeleteFunc(d.members, func(m member) bool { return del(m.key) })
	if len(d.members) != n && d.idx != nil {
		d.reindex()
	}
}

// Range calls fn for each member in order, decoding as it goes; it stops
// when fn returns false. Keys are copies, as with Keys.
func (d *Dict) Range(fn func(k string, v Value) bool) {
	if d == nil {
		return
	}
	for i := range d.members {
		if !fn(strings.Clone(d.members[i].key), d.At(i)) {
			return
		}
	}
}

// Clone returns a shallow copy that shares member values (values are
// immutable) but can be changed independently.
func (d *Dict) Clone() *Dict {
	if d == nil {
		return NewDict(0)
	}
	c := &Dict{members: append(make([]member, 0, len(d.members)+4), d.members...)}
	c.reindex()
	return c
}
