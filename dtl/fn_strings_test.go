package dtl

import (
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// TestStringFamiliesNeverPanic calls every function of the strings, bytes,
// JSON, URI, UUID and encryption families with every combination of odd
// arguments: they may return null or an error, never panic.
func TestStringFamiliesNeverPanic(t *testing.T) {
	d := NewDict(2)
	d.Set("b", List{int64(1), nil})
	d.Set("a", "~x")
	values := []Value{
		nil, true, int64(-3), int64(1 << 40), new(big.Int).Lsh(big.NewInt(1), 80), 1.5, apd.New(15, -1),
		"", "abc", "~t", "  x y ", "%", "%zz%e2%82", "{\"a\": [1, 2", "æøå", "\xff\xfe",
		time.Date(2020, 1, 2, 3, 4, 5, 6, time.UTC), NI{"a", "b"}, URI("http://x/"), UUID("9f598f65-eea5-4906-a8f5-82f6d8e69726"),
		Bytes("abc"), Bytes{0xff}, Bytes("gAAAAA"), d, List{}, List{"a", int64(1), nil, List{"b"}}, List{d},
	}
	names := []string{
		"string", "is-string", "upper", "lower", "length", "concat", "join", "split", "strip", "lstrip", "rstrip",
		"ljust", "rjust", "replace", "substring", "matches", "json", "json-transit", "json-parse", "json-transit-parse",
		"bytes", "is-bytes", "base64-encode", "base64-decode", "uri", "is-uri", "url-quote", "url-unquote",
		"uuid", "is-uuid", "encrypt", "decrypt", "encrypt-pki", "decrypt-pki",
	}
	for _, name := range names {
		f, ok := LookupFunc(name)
		if !ok {
			t.Fatalf("%s is not registered", name)
		}
		maxArgs := f.MaxArgs
		if maxArgs < 0 || maxArgs > 3 {
			maxArgs = 3
		}
		for n := f.MinArgs; n <= maxArgs; n++ {
			args := make([]Value, n)
			var try func(i int)
			try = func(i int) {
				if i == n {
					callStringFamilyFunc(t, f, args)
					return
				}
				for _, v := range values {
					args[i] = v
					try(i + 1)
				}
			}
			if n <= 2 {
				try(0)
			} else {
				// Three arguments: vary each position with the others fixed.
				for pos := 0; pos < n; pos++ {
					for _, fixed := range []Value{int64(3), "ab", List{"a"}} {
						for j := range args {
							args[j] = fixed
						}
						for _, v := range values {
							args[pos] = v
							callStringFamilyFunc(t, f, args)
						}
					}
				}
			}
		}
	}
}

func callStringFamilyFunc(t *testing.T, f *Func, args []Value) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s%v panicked: %v", f.Name, args, r)
		}
	}()
	c := &Ctx{T: NewDict(0), run: &runState{prog: &Program{}}}
	if f.Eval != nil {
		f.Eval(c, append([]Value(nil), args...))
		return
	}
	exprs := make([]Expr, len(args))
	for i, a := range args {
		exprs[i] = constExpr{a}
	}
	f.Lazy(c, exprs)
}

func TestDecryptErrors(t *testing.T) {
	c := &Ctx{T: NewDict(0), run: &runState{prog: &Program{}}}
	enc, _ := LookupFunc("encrypt")
	dec, _ := LookupFunc("decrypt")
	tok, err := enc.Eval(c, []Value{"k1", List{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dec.Eval(c, []Value{"k2", tok}); err == nil {
		t.Error("decrypt with the wrong key succeeded")
	}
	got, err := dec.Eval(c, []Value{"k1", tok})
	if err != nil || !Equal(got, List{"a"}) {
		t.Errorf("round trip: %v, %v", got, err)
	}
	for _, bad := range []Value{Bytes("gAAAAAAAAAAA"), "not a token", Bytes{}} {
		if _, err := dec.Eval(c, []Value{"k1", bad}); err == nil {
			t.Errorf("decrypt of %q succeeded", bad)
		}
	}
	if _, err := enc.Eval(c, []Value{int64(1), "a"}); err == nil {
		t.Error("a non-string key was accepted")
	}
}

func TestLjustBudget(t *testing.T) {
	c := &Ctx{T: NewDict(0), run: &runState{prog: &Program{}}}
	f, _ := LookupFunc("rjust")
	if _, err := f.Eval(c, []Value{int64(1) << 50, "0", "1"}); err == nil {
		t.Error("an enormous width did not exceed the step budget")
	}
}

func TestReplaceBudget(t *testing.T) {
	c := &Ctx{T: NewDict(0), run: &runState{prog: &Program{}}}
	f, _ := LookupFunc("replace")
	big := strings.Repeat("x", 1<<16)
	if _, err := f.Eval(c, []Value{"", big, big}); err == nil {
		t.Error("an explosive replace did not exceed the step budget")
	}
	d := NewDict(1)
	d.Set("x", big)
	if _, err := f.Eval(c, []Value{d, big}); err == nil {
		t.Error("an explosive dict replace did not exceed the step budget")
	}
}
