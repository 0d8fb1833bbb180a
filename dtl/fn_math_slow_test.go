package dtl

import (
	"fmt"
	"sort"
	"testing"
	"time"
)

func TestMathSlowest(t *testing.T) {
	operands := []string{
		`null`, `true`, `0`, `1`, `-1`, `2`, `-9223372036854775808`, `9223372036854775807`,
		`123456789012345678901234567890`, `-123456789012345678901234567890`, `0.0`, `-0.0`, `0.5`,
		`-2.5`, `1e308`, `-1e308`, `5e-324`, `"~f0"`, `"~f-1.5"`, `"~f1E+99999"`, `"~f1E-99999"`,
		`"~f123456789012345678901234567890.123456789"`, `"abc"`, `"0xff"`, `"0x"`, `" 12 "`, `"1e400"`,
		`"NaN"`, `"~rhttp://x/"`, `["list"]`, `["list", 1, 2.5, "~f3"]`, `{"a": 1}`, `1000000`, `-1000000`,
	}
	type r struct {
		e string
		d time.Duration
	}
	var rs []r
	for _, f := range Funcs() {
		if f.Family != "math" && f.Family != "numbers" || f.MaxArgs == 1 {
			continue
		}
		for _, a := range operands {
			for _, b := range operands {
				e := fmt.Sprintf(`[%q, %s, %s]`, f.Name, a, b)
				st := time.Now()
				evalText(t, e, "", "", Options{})
				rs = append(rs, r{e, time.Since(st)})
			}
		}
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].d > rs[j].d })
	for _, x := range rs[:15] {
		t.Log(x.d, x.e)
	}
}
