package dtl

import (
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/cockroachdb/apd/v3"
)

// TestListsErrors checks the calls the reference makes errors.
func TestListsErrors(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{`["range", 0, 4, 0]`, "STEP cannot be 0"},
		{`["range", 0, "4"]`, "must be integers"},
		{`["range", 0, 4.0]`, "must be integers"},
		{`["range", 0, 92233720368547758070]`, "64-bit"},
		{`["nth", "1", ["list", 1]]`, "INDEX must be an integer"},
		{`["nth", null, ["list", 1]]`, "INDEX must be an integer"},
		{`["insert", 1.5, ["list", 1], 2]`, "INDEX must be an integer"},
		{`["slice", 0, 5, 0, ["list", 1]]`, "STRIDE cannot be 0"},
		{`["slice", "a", ["list", 1]]`, "START must be an integer"},
		{`["enumerate", "a", ["list", 1]]`, "START must be an integer"},
	} {
		_, err := evalText(t, tc.expr, "", "", Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got error %v, want %q", tc.expr, err, tc.want)
		}
	}
}

// TestListsBudget checks that huge ranges and products stop at the step
// budget instead of allocating.
func TestListsBudget(t *testing.T) {
	for _, expr := range []string{
		`["range", -9223372036854775808, 9223372036854775807]`,
		`["range", 9223372036854775807, -9223372036854775808, -1]`,
		`["tuples", ["range", 0, 5000], ["range", 0, 5000], ["range", 0, 5000]]`,
	} {
		_, err := evalText(t, expr, "", "", Options{})
		if !errors.Is(err, ErrBudget) {
			t.Errorf("%s: got %v, want the step budget error", expr, err)
		}
	}
}

func TestListsEdgeValues(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{`["range", -9223372036854775808, -9223372036854775806]`, `[-9223372036854775808, -9223372036854775807]`},
		{`["range", 9223372036854775807, 9223372036854775804, -2]`, `[9223372036854775807, 9223372036854775805]`},
		{`["enumerate", 9223372036854775807, ["list", "a", "b"]]`, `[{"key": 9223372036854775807, "value": "a"}, {"key": 9223372036854775808, "value": "b"}]`},
		{`["nth", 92233720368547758070, ["list", 1]]`, `null`},
		{`["slice", -92233720368547758070, 92233720368547758070, ["list", 1, 2]]`, `[1, 2]`},
		{`["slice", 0, null, 9223372036854775807, ["list", 1, 2, 3]]`, `[1]`},
		{`["slice", null, null, -9223372036854775808, ["list", 1, 2, 3]]`, `[3]`},
		{`["slice", 0, ["list"]]`, `[]`},
		{`["sum", ["list", -9223372036854775808, -1]]`, `-9223372036854775809`},
		{`["sum", ["list", 92233720368547758070, -92233720368547758070, 1]]`, `1`},
		{`["sum", ["list", 1, 0.5, 92233720368547758070]]`, `9.223372036854776e+19`},
		{`["sum", ["list", "~f1e5", 1]]`, `"~f100001"`},
		{`["distinct", ["list", "~f1.50", 1.5, "~f15e-1", 100, "~f1E+2", 1e2]]`, `["~f1.50", 100]`},
		{`["distinct", ["list", {"a": 1, "b": [1, 2]}, {"b": [1.0, 2], "a": 1}]]`, `[{"a": 1, "b": [1, 2]}]`},
		{`["distinct", ["list", ["list", "a", "b"], ["list", "ab"], "ab", ["list", "a", "b"]]]`, `[["a", "b"], ["ab"], "ab"]`},
		{`["union", ["list", "~:a:b", "~:a:b", "~ua0000000-0000-4000-8000-000000000000"], ["list", true, 1, false, 0]]`, `["~:a:b", "~ua0000000-0000-4000-8000-000000000000", true, 1, false, 0]`},
		{`["min", ["list", null]]`, `null`},
		{`["max", "_.x", ["list", {"y": 1}]]`, `null`},
		{`["sorted", ["list"]]`, `[]`},
		{`["group-by", "_.", ["list", "~t2020-01-01T00:00:00Z", "~~tx", "~f1.5"]]`, `{"\"~t2020-01-01T00:00:00Z\"": ["~t2020-01-01T00:00:00Z"], "\"~~tx\"": ["~~tx"], "\"~f1.5\"": ["~f1.5"]}`},
		{`["group-by", ["upper", "_."], 5, ["list", "a"]]`, `{"5": ["a"]}`},
	} {
		got, err := evalText(t, tc.expr, "", "", Options{})
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if want := mustDecode(t, "want", tc.want); !sameValue(got, want) {
			t.Errorf("%s\n got: %s\nwant: %s", tc.expr, EncodeJSON(got), tc.want)
		}
	}
}

// TestSetsKeyMatchesEqual checks that the hashed set key agrees with Equal.
func TestSetsKeyMatchesEqual(t *testing.T) {
	d := func(s string) *apd.Decimal {
		x, _, err := apd.NewFromString(s)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	huge, _ := new(big.Int).SetString("100000000000000000000", 10)
	vals := []Value{
		nil, true, false, int64(0), int64(-0), 0.0, int64(1), 1.0, d("1.000"), int64(10), d("1E+1"), 10.0,
		int64(-120), d("-1.2E2"), 0.1, d("0.1"), 0.30000000000000004, huge, 1e20, d("1E20"),
		"a", URI("a"), UUID("a"), NI{"a", "b"}, NI{"ab", ""}, Bytes("a"), List{"a"}, List{"a", "b"}, List{"ab"},
		List{int64(1)}, List{1.0},
	}
	for _, a := range vals {
		for _, b := range vals {
			eq := Equal(a, b)
			keq := string(setsAppendKey(nil, a)) == string(setsAppendKey(nil, b))
			if eq != keq {
				t.Errorf("%#v vs %#v: Equal %v, same key %v", a, b, eq, keq)
			}
		}
	}
}
