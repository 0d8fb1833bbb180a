package dtl

import (
	"context"
	"strings"
	"testing"
)

// nsBenchEntity is BenchEntity as a pipe with namespaces on holds it after
// add_namespaces: every property but _id in namespace "crm", recursively.
func nsBenchEntity(i int) []byte {
	src, err := DecodeJSON(BenchEntity(i))
	if err != nil {
		panic(err)
	}
	cfg := nsSettings{property: new("crm"), identity: new("crm"), skipUnderscore: true, skipDollar: true, recursive: true}
	return EncodeJSON(cfg.apply(src.(*Dict)))
}

// BenchmarkPathString measures one path string over a decoded entity:
// with namespaces off (the hot path that must not get slower), and with
// them on over a namespaced entity, where a qualified step or one starting
// with "_" is an exact lookup and an unqualified step looks through every
// member.
func BenchmarkPathString(b *testing.B) {
	ns := Options{NamespacedIdentifiers: true, IdentityNamespace: "crm", PropertyNamespace: "crm"}
	for _, bc := range []struct {
		name, path string
		opts       Options
		entity     []byte
	}{
		{"off/first", "_S._id", Options{}, BenchEntity(1)},
		{"off/hit", "_S.amount", Options{}, BenchEntity(1)},
		{"off/last", "_S.segment", Options{}, BenchEntity(1)},
		{"off/nested", "_S.address.city", Options{}, BenchEntity(1)},
		{"off/list", "_S.phones.number", Options{}, BenchEntity(1)},
		{"off/miss", "_S.nope", Options{}, BenchEntity(1)},
		{"ns/underscore", "_S._id", ns, nsBenchEntity(1)},
		{"ns/qualified", "_S.crm:amount", ns, nsBenchEntity(1)},
		{"ns/qualified-nested", "_S.crm:address.crm:city", ns, nsBenchEntity(1)},
		{"ns/qualified-miss", "_S.crm:nope", ns, nsBenchEntity(1)},
		{"ns/unqualified", "_S.amount", ns, nsBenchEntity(1)},
		{"ns/unqualified-nested", "_S.address.city", ns, nsBenchEntity(1)},
		{"ns/unqualified-list", "_S.phones.number", ns, nsBenchEntity(1)},
		{"ns/unqualified-miss", "_S.nope", ns, nsBenchEntity(1)},
		{"ns/unqualified-plain", "_S.amount", ns, BenchEntity(1)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			p := &Program{opts: bc.opts}
			e, err := p.CompileExpr(mustNode(b, "expr", `"`+bc.path+`"`))
			if err != nil {
				b.Fatal(err)
			}
			src, err := DecodeEntity(bc.entity)
			if err != nil {
				b.Fatal(err)
			}
			c := &Ctx{S: src, T: NewDict(0), run: &runState{prog: p, ctx: context.Background()}}
			c.R = c
			if v, _ := e.Eval(c); v == nil && !strings.HasSuffix(bc.name, "miss") {
				b.Fatalf("%s gave null", bc.path)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := e.Eval(c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRuleNamespaced is BenchmarkRule with namespaces on, over
// namespaced entities: decode, the rules (whose unqualified paths look
// through every member) and encode.
func BenchmarkRuleNamespaced(b *testing.B) {
	p, err := Compile(mustNode(b, "rules", benchRules), Options{NamespacedIdentifiers: true, IdentityNamespace: "crm", PropertyNamespace: "crm"})
	if err != nil {
		b.Fatal(err)
	}
	ents := make([][]byte, 1000)
	for i := range ents {
		ents[i] = nsBenchEntity(i)
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
