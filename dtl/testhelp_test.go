package dtl

import (
	"context"
	"math/big"
	"sort"
	"testing"

	"github.com/sluice-sync/sluice/pipes"
)

// mustNode parses JSON text into a config node.
func mustNode(t testing.TB, what, src string) *pipes.Node {
	t.Helper()
	n, err := pipes.Parse(what, []byte(src))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return n
}

// evalText compiles and evaluates expr (JSON text) with source as _S and
// rules (optional) available to apply.
func evalText(t testing.TB, expr, source, rules string, opts Options) (Value, error) {
	t.Helper()
	var prog *Program
	if rules == hopsExampleData {
		opts.Datasets = exampleDatasets(t)
		opts.SourceDataset = "orders"
		p, err := Compile(mustNode(t, "rules", `{"default": [], "order": [["add", "id", "_S._id"]]}`), opts)
		if err != nil {
			t.Fatal(err)
		}
		prog = p
	} else if rules != "" {
		p, err := Compile(mustNode(t, "rules", rules), opts)
		if err != nil {
			return nil, err
		}
		prog = p
	} else {
		prog = &Program{opts: opts}
	}
	e, err := prog.CompileExpr(mustNode(t, "expr", expr))
	if err != nil {
		return nil, err
	}
	var src Value = NewDict(0)
	if source != "" {
		v, err := DecodeJSON([]byte(source))
		if err != nil {
			t.Fatalf("source: %v", err)
		}
		src = v
	}
	return EvalExpr(context.Background(), e, src, prog)
}

// runRules runs rules over source and returns the emitted entities.
func runRules(t testing.TB, rules, source string, opts Options) (List, error) {
	t.Helper()
	p, err := Compile(mustNode(t, "rules", rules), opts)
	if err != nil {
		return nil, err
	}
	src, err := DecodeEntity([]byte(source))
	if err != nil {
		t.Fatalf("source: %v", err)
	}
	res, err := p.Run(context.Background(), src)
	if err != nil {
		return nil, err
	}
	out := List{}
	for _, d := range res.Entities() {
		out = append(out, d)
	}
	return out, nil
}

// sameValue is Equal, but stricter about number types: an integer and a
// float are different results even when numerically equal.
func sameValue(a, b Value) bool {
	switch x := a.(type) {
	case int64, *big.Int:
		switch b.(type) {
		case int64, *big.Int:
			return Equal(a, b)
		}
		return false
	case float64:
		if y, ok := b.(float64); ok {
			return x == y || (x != x && y != y)
		}
		return false
	case List:
		y, ok := b.(List)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	case *Dict:
		y, ok := b.(*Dict)
		if !ok || x.Len() != y.Len() {
			return false
		}
		same := true
		x.Range(func(k string, v Value) bool {
			w, ok := y.Get(k)
			same = ok && sameValue(v, w)
			return same
		})
		return same
	}
	return KindOf(a) == KindOf(b) && Equal(a, b)
}

func mustDecode(t testing.TB, what, s string) Value {
	t.Helper()
	v, err := DecodeJSON([]byte(s))
	if err != nil {
		t.Fatalf("%s %s: %v", what, s, err)
	}
	return v
}

// memDatasets is an in-memory Datasets for tests: a join is a plain
// comparison over every entity, which is fine at test sizes.
type memDatasets map[string][]*Dict

func (m memDatasets) Get(_ context.Context, dataset, id string) (*Dict, error) {
	for _, e := range m[dataset] {
		if entityID(e) == id {
			return e, nil
		}
	}
	return nil, nil
}

func (m memDatasets) Join(_ context.Context, dataset string, path []string, keys []Value) ([]*Dict, error) {
	var out []*Dict
	for _, e := range m[dataset] {
		if ok, _ := (joinEq{constExpr{Walk(e, path)}, constExpr{List(keys)}}).Eval(nil); ok == true {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return entityID(out[i]) < entityID(out[j]) })
	return out, nil
}

// Changes serves offsets as positions in the dataset's list, each entity
// once (the lists hold one version of each).
func (m memDatasets) Changes(_ context.Context, dataset string, from uint64, fn func(*Dict) error) (uint64, error) {
	for i := int(from); i < len(m[dataset]); i++ {
		if err := fn(m[dataset][i]); err != nil {
			return from, err
		}
	}
	return max(from, uint64(len(m[dataset]))), nil
}

// Version serves offsets as positions in the dataset's list.
func (m memDatasets) Version(_ context.Context, dataset string, offset uint64) (*Dict, error) {
	if offset >= uint64(len(m[dataset])) {
		return nil, nil
	}
	return m[dataset][offset], nil
}

func exampleDatasets(t testing.TB) memDatasets {
	m := memDatasets{}
	for _, s := range []string{
		`{"_id": "o1", "cust_id": "c1", "type": "BILLING"}`,
		`{"_id": "o2", "cust_id": "c1", "type": "SHIPPING"}`,
		`{"_id": "o3", "cust_id": "c2", "type": "BILLING"}`,
	} {
		m["orders"] = append(m["orders"], mustDecode(t, "orders", s).(*Dict))
	}
	return m
}
