package dtl

import (
	"time"

	"encoding/binary"
	"fmt"
	"math/big"
	"math/bits"

	"github.com/sluice-sync/sluice/pipes"
)

// Misc: hash128 from the reference page dtl-functions-misc (fail!,
// literal, is-changed and sleep! live with the core; tuples with lists).

func init() {
	// hash128: the result is MurmurHash3 x64 128 as Python's mmh3.hash128
	// gives it: unsigned, the second 64-bit half the high one. The seed is
	// taken modulo 2^32 (MurmurHash3 seeds are 32 bits); a seed that is not
	// an integer gives null. The reference's second example shows a
	// doubly nested list, which is taken as a typo: hashing a list gives a
	// list of hashes.
	RegisterFunc(&Func{
		Name: "hash128", Family: "misc",
		Args:    "ALGORITHM(\"murmur3\"), SEED(integer-expression{0|1}), VALUES(value-expression{1})",
		Doc:     "128-bit MurmurHash3 (x64) hashes, as unsigned integers, of the strings (as UTF-8) and bytes in VALUES; other values are dropped. SEED (default 0) varies the hash.",
		MinArgs: 2, MaxArgs: 3,
		Examples: []Example{
			{Expr: `["hash128", "murmur3", "abc"]`, Want: `79267961763742113019008347020647561319`},
			{Expr: `["hash128", "murmur3", ["combine", "abc", 123, "def"]]`, Want: `[79267961763742113019008347020647561319, 114697464648834432121201791580882983835]`},
			{Expr: `["hash128", "murmur3", 0, "abc"]`, Want: `79267961763742113019008347020647561319`},
			{Expr: `["hash128", "murmur3", ""]`, Want: `0`},
		},
		Check: func(args []*pipes.Node) error {
			if a := args[0]; a.Kind != pipes.Array && (a.Kind != pipes.String || a.Str != "murmur3") {
				return fmt.Errorf("the only algorithm is \"murmur3\"")
			}
			if len(args) == 3 {
				if s := args[1]; s.Kind == pipes.String || s.Kind == pipes.Bool || s.Kind == pipes.Object ||
					(s.Kind == pipes.Number && !isIntLiteral(s.Str)) {
					return fmt.Errorf("SEED must be an integer")
				}
			}
			return nil
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			if alg, _ := First(args[0]).(string); alg != "murmur3" {
				return nil, nil
			}
			var seed uint32
			if len(args) == 3 {
				switch s := First(args[1]).(type) {
				case int64:
					seed = uint32(s)
				case *big.Int:
					seed = uint32(new(big.Int).And(s, big.NewInt(0xffffffff)).Uint64())
				default:
					return nil, nil
				}
			}
			return MapValues(args[len(args)-1], func(v Value) (Value, bool) {
				var b []byte
				switch x := v.(type) {
				case string:
					b = []byte(x)
				case Bytes:
					b = x
				default:
					return nil, false
				}
				h1, h2 := murmur3x64(b, seed)
				var sum [16]byte
				binary.BigEndian.PutUint64(sum[:8], h2)
				binary.BigEndian.PutUint64(sum[8:], h1)
				return Int(new(big.Int).SetBytes(sum[:])), true
			}), nil
		},
	})
}

func isIntLiteral(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && !(i == 0 && c == '-') {
			return false
		}
	}
	return s != "" && s != "-"
}

// murmur3x64 is MurmurHash3_x64_128.
func murmur3x64(data []byte, seed uint32) (uint64, uint64) {
	const c1, c2 = 0x87c37b91114253d5, 0x4cf5ad432745937f
	h1, h2 := uint64(seed), uint64(seed)
	n := len(data) / 16
	for i := 0; i < n; i++ {
		k1 := binary.LittleEndian.Uint64(data[i*16:])
		k2 := binary.LittleEndian.Uint64(data[i*16+8:])
		k1 *= c1
		k1 = bits.RotateLeft64(k1, 31)
		k1 *= c2
		h1 ^= k1
		h1 = bits.RotateLeft64(h1, 27)
		h1 += h2
		h1 = h1*5 + 0x52dce729
		k2 *= c2
		k2 = bits.RotateLeft64(k2, 33)
		k2 *= c1
		h2 ^= k2
		h2 = bits.RotateLeft64(h2, 31)
		h2 += h1
		h2 = h2*5 + 0x38495ab5
	}
	tail := data[n*16:]
	var k1, k2 uint64
	for i := len(tail) - 1; i >= 8; i-- {
		k2 ^= uint64(tail[i]) << (uint(i-8) * 8)
	}
	if len(tail) > 8 {
		k2 *= c2
		k2 = bits.RotateLeft64(k2, 33)
		k2 *= c1
		h2 ^= k2
	}
	for i := min(len(tail), 8) - 1; i >= 0; i-- {
		k1 ^= uint64(tail[i]) << (uint(i) * 8)
	}
	if len(tail) > 0 {
		k1 *= c1
		k1 = bits.RotateLeft64(k1, 31)
		k1 *= c2
		h1 ^= k1
	}
	h1 ^= uint64(len(data))
	h2 ^= uint64(len(data))
	h1 += h2
	h2 += h1
	h1, h2 = fmix64(h1), fmix64(h2)
	h1 += h2
	h2 += h1
	return h1, h2
}

func fmix64(k uint64) uint64 {
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	k *= 0xc4ceb9fe1a85ec53
	k ^= k >> 33
	return k
}

func init() {
	RegisterFunc(&Func{
		Name: "completeness", Family: "misc",
		Args:    "VIA_DATASET_ID(string{1}), DATASET_ID(string{1})",
		Doc:     "The completeness timestamp (a datetime) of dataset DATASET_ID as dataset VIA_DATASET_ID has recorded it: its own when the two are the same, else the value the last successful run into VIA_DATASET_ID saw upstream, which may lag behind. Null when either dataset does not exist or VIA_DATASET_ID has no such record (and where no datasets are available, as in `sluice dtl`).",
		MinArgs: 2, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["completeness", "pipe-that-doesnt-have-pipe1-upstream", "pipe1"]`, Want: `null`},
			{Expr: `["completeness", "pipe1", "pipe1"]`, Want: `null`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			via, ok1 := oneString(args[0])
			ds, ok2 := oneString(args[1])
			if !ok1 || !ok2 || c == nil || c.run == nil || c.run.prog == nil {
				return nil, nil
			}
			dc, ok := c.run.prog.opts.Datasets.(DatasetCompleteness)
			if !ok {
				return nil, nil
			}
			ts, ok := dc.CompletenessVia(via, ds)
			if !ok || ts == 0 {
				return nil, nil
			}
			return time.UnixMicro(ts).UTC(), nil
		},
	})
}

// oneString takes a string, or a list holding one.
func oneString(v Value) (string, bool) {
	if l, ok := v.(List); ok && len(l) == 1 {
		v = l[0]
	}
	s, ok := v.(string)
	return s, ok
}
