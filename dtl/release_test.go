package dtl

import (
	"context"
	"fmt"
	"testing"
)

// TestRunJSONReuse runs entities through RunJSON with Release, whose memory
// is recycled from one entity to the next, and checks every output against
// a run that recycles nothing.
func TestRunJSONReuse(t *testing.T) {
	rules := `{"default": [
		["copy", "*", "tags"],
		["add", "orig", "_S."],
		["add", "n", ["+", "_S.amount", 1]],
		["create", ["list", ["dict", "_id", ["concat", "c-", "_S._id"], "of", "_S."]]],
		["filter", ["neq", "_S.amount", 7]]
	]}`
	p, err := Compile(mustNode(t, "rules", rules), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < 200; i++ {
		e := BenchEntity(i)
		if i%3 == 0 {
			e = fmt.Appendf(nil, `{"_id": "x%d", "amount": %d, "k%d": true}`, i, i%10, i)
		}
		src, err := DecodeEntity(e)
		if err != nil {
			t.Fatal(err)
		}
		plain, err := p.Run(ctx, src)
		if err != nil {
			t.Fatal(err)
		}
		want := string(EncodeJSON(toList(plain.Entities())))

		res, err := p.RunJSON(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		got := string(EncodeJSON(toList(res.Entities())))
		res.Release()
		if got != want {
			t.Fatalf("entity %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

func toList(ds []*Dict) List {
	out := List{}
	for _, d := range ds {
		out = append(out, d)
	}
	return out
}
