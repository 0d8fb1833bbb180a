package dtl

// Dict is an ordered DTL dictionary. Members decoded from JSON may be held
// as raw, still-encoded bytes until something reads them: a "copy *" of a
// source entity then moves bytes from input to output without ever building
// values, which is what keeps the common rule shapes fast.
//
// A Dict is owned by one evaluation at a time; Get resolves raw members in
// place, so a Dict must not be read from several goroutines at once.
type Dict struct {
	keys []string
	vals []Value
	raws [][]byte       // raws[i] != nil: vals[i] is not decoded yet
	idx  map[string]int // built once the dict grows past indexAt
}

const indexAt = 12

// NewDict returns an empty dict with room for n members.
func NewDict(n int) *Dict {
	return &Dict{keys: make([]string, 0, n), vals: make([]Value, 0, n)}
}

// Len is the number of members.
func (d *Dict) Len() int {
	if d == nil {
		return 0
	}
	return len(d.keys)
}

// Keys returns the keys in order. The caller must not modify the slice.
func (d *Dict) Keys() []string {
	if d == nil {
		return nil
	}
	return d.keys
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
	for i, key := range d.keys {
		if key == k {
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

// At returns the value of the i-th member, decoding it if needed.
func (d *Dict) At(i int) Value {
	if d.raws != nil && d.raws[i] != nil {
		v, err := decodeValue(d.raws[i])
		if err != nil {
			v = nil // raw members come from validated input; keep going
		}
		d.vals[i], d.raws[i] = v, nil
	}
	return d.vals[i]
}

// Set adds or replaces member k.
func (d *Dict) Set(k string, v Value) {
	if i := d.find(k); i >= 0 {
		d.vals[i] = v
		if d.raws != nil {
			d.raws[i] = nil
		}
		return
	}
	d.push(k, v, nil)
}

func (d *Dict) push(k string, v Value, raw []byte) {
	d.keys = append(d.keys, k)
	d.vals = append(d.vals, v)
	if raw != nil || d.raws != nil {
		for len(d.raws) < len(d.keys)-1 {
			d.raws = append(d.raws, nil)
		}
		d.raws = append(d.raws, raw)
	}
	if d.idx != nil {
		d.idx[k] = len(d.keys) - 1
	} else if len(d.keys) > indexAt {
		d.idx = make(map[string]int, len(d.keys)*2)
		for i, key := range d.keys {
			d.idx[key] = i
		}
	}
}

// copyMember copies member i of src to d without decoding it.
func (d *Dict) copyMember(src *Dict, i int) {
	var raw []byte
	if src.raws != nil {
		raw = src.raws[i]
	}
	k := src.keys[i]
	if j := d.find(k); j >= 0 {
		d.vals[j] = src.vals[i]
		if raw != nil || d.raws != nil {
			for len(d.raws) < len(d.keys) {
				d.raws = append(d.raws, nil)
			}
			d.raws[j] = raw
		}
		return
	}
	d.push(k, src.vals[i], raw)
}

// Delete removes member k, keeping the order of the rest.
func (d *Dict) Delete(k string) {
	i := d.find(k)
	if i < 0 {
		return
	}
	d.keys = append(d.keys[:i], d.keys[i+1:]...)
	d.vals = append(d.vals[:i], d.vals[i+1:]...)
	if d.raws != nil {
		d.raws = append(d.raws[:i], d.raws[i+1:]...)
	}
	if d.idx != nil {
		d.idx = nil
		if len(d.keys) > indexAt {
			d.idx = make(map[string]int, len(d.keys)*2)
			for j, key := range d.keys {
				d.idx[key] = j
			}
		}
	}
}

// Range calls fn for each member in order, decoding as it goes; it stops
// when fn returns false.
func (d *Dict) Range(fn func(k string, v Value) bool) {
	if d == nil {
		return
	}
	for i, k := range d.keys {
		if !fn(k, d.At(i)) {
			return
		}
	}
}

// Clone returns a shallow copy that shares member values (values are
// immutable) but can be changed independently.
func (d *Dict) Clone() *Dict {
	c := &Dict{
		keys: append(make([]string, 0, len(d.keys)+4), d.keys...),
		vals: append(make([]Value, 0, len(d.keys)+4), d.vals...),
	}
	if d.raws != nil {
		c.raws = append(make([][]byte, 0, len(d.keys)+4), d.raws...)
	}
	if d.idx != nil {
		c.idx = make(map[string]int, len(d.idx))
		for k, v := range d.idx {
			c.idx[k] = v
		}
	}
	return c
}
