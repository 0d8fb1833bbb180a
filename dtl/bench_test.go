package dtl

import (
	"context"
	"fmt"
	"testing"
)

// benchRules is the rule shape the performance target names: copy *,
// three adds (one a string function, one an if) and a discard.
const benchRules = `{"default": [
	["copy", "*"],
	["add", "name_upper", ["upper", "_S.name"]],
	["add", "size", ["if", ["gt", "_S.amount", 100], "big", "small"]],
	["add", "source", "crm"],
	["discard", ["is-not-null", "_S._id"]]
]}`

// BenchEntity returns a ~0.5 KB entity; i varies its _id and amount.
func BenchEntity(i int) []byte {
	return fmt.Appendf(nil, `{"_id":"customer-%07d","name":"Ada Lovelace %d","email":"ada.%d@example.org","amount":%d,"currency":"NOK","active":true,"created":"~t2024-03-01T12:00:00Z","tags":["vip","newsletter","nordic"],"address":{"street":"Storgata 1","zip":"0155","city":"Oslo","country":"NO"},"phones":[{"type":"mobile","number":"+4791234567"},{"type":"work","number":"+4722334455"}],"notes":"Prefers e-mail. Account opened in the spring campaign; follow up on renewal in Q3.","score":0.875,"segment":"retail"}`, i, i, i, i%250)
}

// BenchmarkRule measures decode + rules + encode for one entity.
func BenchmarkRule(b *testing.B) {
	p, err := Compile(mustNode(b, "rules", benchRules), Options{})
	if err != nil {
		b.Fatal(err)
	}
	ents := make([][]byte, 1000)
	for i := range ents {
		ents[i] = BenchEntity(i)
	}
	b.SetBytes(int64(len(ents[0])))
	b.ReportAllocs()
	ctx := context.Background()
	var buf []byte
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := p.RunJSON(ctx, ents[i%len(ents)])
		if err != nil {
			b.Fatal(err)
		}
		for _, d := range res.Entities() {
			buf = AppendJSON(buf[:0], d)
		}
		res.Release()
	}
}
