package dtl

import (
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/sluice-sync/sluice/pipes"
)

// exprIndex serves a join whose side on the alias being bound is an
// expression, such as ["eq", "_S.k", ["upper", "b.k"]]: it maps the values
// of ["upper", "b.k"] over b's dataset to the _ids holding them. It is
// built on the first lookup from the whole dataset and brought up to date
// from the dataset's changes before every lookup, so a lookup evaluates
// the expression only on entities written since the one before, never on
// the whole dataset.
type exprIndex struct {
	alias, dataset string
	expr           Expr
	text           string // the expression as written, for errors

	mu    sync.Mutex
	next  uint64                         // the dataset offset to follow from
	byKey map[string][]string            // joinKey of a value → the _ids holding it (few)
	many  map[string]map[string]struct{} // … or, once a key has many, here
	byID  map[string]string              // _id → its one key, to drop it when it changes
	byIDs map[string][]string            // _id → its keys, when it has several
	evals int64                          // entities the expression was evaluated on (tests bound it)
}

// manyIDs is the number of _ids under one key past which they move from a
// list to a set, so that dropping one from a popular key stays cheap.
const manyIDs = 32

func newExprIndex(alias, dataset string, e Expr, n *pipes.Node) *exprIndex {
	return &exprIndex{alias: alias, dataset: dataset, expr: e, text: string(n.JSON()),
		byKey: map[string][]string{}, many: map[string]map[string]struct{}{},
		byID: map[string]string{}, byIDs: map[string][]string{}}
}

// lookup returns the latest, non-deleted entities whose expression value
// shares one of keys, ordered by _id.
func (ix *exprIndex) lookup(c *Ctx, ds Datasets, keys []Value) ([]*Dict, error) {
	ch, ok := ds.(DatasetChanges)
	if !ok {
		return nil, Errorf("hops into %s: the join on %s needs an index on that expression, which these datasets cannot keep (they cannot be followed)", ix.dataset, ix.text)
	}
	var ids []string
	ix.mu.Lock()
	err := ix.catchUp(c, ch)
	if err == nil {
		for _, k := range keys {
			if key, ok := joinKey(k); ok {
				ids = append(ids, ix.byKey[key]...)
				for id := range ix.many[key] {
					ids = append(ids, id)
				}
			}
		}
	}
	ix.mu.Unlock()
	if err != nil {
		return nil, err
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	out := make([]*Dict, 0, len(ids))
	for _, id := range ids {
		e, err := ds.Get(c.Context(), ix.dataset, id)
		if err != nil {
			return nil, &RuntimeError{Msg: "hops into " + ix.dataset, Err: err}
		}
		if e != nil {
			out = append(out, e)
		}
	}
	return out, nil
}

// catchUp applies the dataset's changes since the last call. Should one
// fail, the offset stays where it was: applying a change again is
// harmless, so the next lookup retries from there.
func (ix *exprIndex) catchUp(c *Ctx, ch DatasetChanges) error {
	run := &runState{prog: c.run.prog, ctx: c.Context()}
	base := &Ctx{T: NewDict(0), run: run}
	base.R = base
	next, err := ch.Changes(c.Context(), ix.dataset, ix.next, func(e *Dict) error {
		id := entityID(e)
		if id == "" {
			return nil
		}
		ix.remove(id)
		if d, _ := e.Get("_deleted"); d == true {
			return nil
		}
		ix.evals++
		run.steps = 0 // each entity gets the whole budget
		v, err := ix.expr.Eval(base.WithAlias(ix.alias, e))
		if err != nil {
			return &RuntimeError{Msg: fmt.Sprintf("hops into %s: indexing entity %q by %s", ix.dataset, id, ix.text), Err: err}
		}
		ix.add(strings.Clone(id), v)
		return nil
	})
	if err != nil {
		if _, ok := err.(*RuntimeError); !ok {
			err = &RuntimeError{Msg: "hops into " + ix.dataset + ": following the dataset", Err: err}
		}
		return err
	}
	ix.next = next
	return nil
}

// add indexes entity id under every value of v (a list is its values;
// nulls have no key, as they never match a join).
func (ix *exprIndex) add(id string, v Value) {
	var keys []string
	for _, x := range AsList(v) {
		if k, ok := joinKey(x); ok && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	switch len(keys) {
	case 0:
		return
	case 1:
		ix.byID[id] = keys[0]
	default:
		ix.byIDs[id] = keys
	}
	for _, k := range keys {
		if set := ix.many[k]; set != nil {
			set[id] = struct{}{}
			continue
		}
		list := append(ix.byKey[k], id)
		if len(list) <= manyIDs {
			ix.byKey[k] = list
			continue
		}
		set := make(map[string]struct{}, 2*len(list))
		for _, x := range list {
			set[x] = struct{}{}
		}
		ix.many[k] = set
		delete(ix.byKey, k)
	}
}

func (ix *exprIndex) remove(id string) {
	if k, ok := ix.byID[id]; ok {
		ix.removeKey(k, id)
		delete(ix.byID, id)
	}
	for _, k := range ix.byIDs[id] {
		ix.removeKey(k, id)
	}
	delete(ix.byIDs, id)
}

func (ix *exprIndex) removeKey(k, id string) {
	if set := ix.many[k]; set != nil {
		delete(set, id)
		if len(set) == 0 {
			delete(ix.many, k)
		}
		return
	}
	list := ix.byKey[k]
	if i := slices.Index(list, id); i >= 0 {
		list[i] = list[len(list)-1]
		list = list[:len(list)-1]
	}
	if len(list) == 0 {
		delete(ix.byKey, k)
	} else {
		ix.byKey[k] = list
	}
}

// joinKey is the index form of a join value: values Equal finds equal get
// the same key (1, 1.0 and "~f1.0"; dicts whatever their member order).
// Null has none. Keys of different values may collide only where Equal
// itself is unsure (non-finite decimals); the join condition, evaluated on
// every candidate, has the last word.
func joinKey(v Value) (string, bool) {
	if v == nil {
		return "", false
	}
	var b strings.Builder
	writeJoinKey(&b, v)
	return b.String(), true
}

func writeJoinKey(b *strings.Builder, v Value) {
	switch x := v.(type) {
	case nil:
		b.WriteString("z")
	case bool:
		if x {
			b.WriteString("b1")
		} else {
			b.WriteString("b0")
		}
	case int64, *big.Int, float64, *apd.Decimal:
		b.WriteByte('n')
		writeNumberKey(b, x)
	case string:
		writeLenKey(b, 's', x)
	case time.Time:
		writeLenKey(b, 't', x.UTC().Format(time.RFC3339Nano))
	case UUID:
		writeLenKey(b, 'u', string(x))
	case NI:
		writeLenKey(b, 'i', x.NS)
		writeLenKey(b, ':', x.ID)
	case URI:
		writeLenKey(b, 'r', string(x))
	case Bytes:
		writeLenKey(b, 'y', string(x))
	case List:
		b.WriteString("l" + strconv.Itoa(len(x)) + "[")
		for _, e := range x {
			writeJoinKey(b, e)
		}
		b.WriteByte(']')
	case *Dict:
		keys := x.Keys()
		sort.Strings(keys)
		b.WriteString("d" + strconv.Itoa(len(keys)) + "{")
		for _, k := range keys {
			m, _ := x.Get(k)
			writeLenKey(b, 'k', k)
			writeJoinKey(b, m)
		}
		b.WriteByte('}')
	default:
		writeLenKey(b, '?', fmt.Sprint(x))
	}
}

// writeLenKey writes tag, len(s), ':' and s, so that keys of composite
// values cannot run into one another.
func writeLenKey(b *strings.Builder, tag byte, s string) {
	b.WriteByte(tag)
	b.WriteString(strconv.Itoa(len(s)))
	b.WriteByte(':')
	b.WriteString(s)
}

// writeNumberKey writes a number as its digits without trailing zeros and
// a power of ten: 100, 100.0, 1e2 and "~f100.00" all become "1e2".
func writeNumberKey(b *strings.Builder, v Value) {
	if i, ok := v.(int64); ok {
		if i == 0 {
			b.WriteString("0;")
			return
		}
		digits := strconv.FormatInt(i, 10)
		trimmed := strings.TrimRight(digits, "0")
		b.WriteString(trimmed + "e" + strconv.Itoa(len(digits)-len(trimmed)) + ";")
		return
	}
	d, ok := ToDecimal(v)
	if !ok { // NaN and infinities: Compare ranks them apart from every finite number
		writeLenKey(b, 'x', fmt.Sprint(v))
		b.WriteByte(';')
		return
	}
	if d.Form != apd.Finite {
		writeLenKey(b, 'x', d.String())
		b.WriteByte(';')
		return
	}
	if d.IsZero() {
		b.WriteString("0;")
		return
	}
	var r apd.Decimal
	r.Reduce(d)
	if r.Negative {
		b.WriteByte('-')
	}
	b.WriteString(r.Coeff.String() + "e" + strconv.Itoa(int(r.Exponent)) + ";")
}
