package dtl

import (
	"strings"
	"testing"
)

// TestFunctionExamples runs every registered function's examples: the
// function reference and its tests are one source.
func TestFunctionExamples(t *testing.T) {
	for _, f := range Funcs() {
		t.Run(f.Name, func(t *testing.T) {
			if len(f.Examples) == 0 {
				t.Fatalf("%s has no examples", f.Name)
			}
			for _, ex := range f.Examples {
				got, err := evalText(t, ex.Expr, ex.Source, ex.Rules, Options{})
				if err != nil {
					t.Errorf("%s: %v", ex.Expr, err)
					continue
				}
				want := mustDecode(t, "want", ex.Want)
				if !sameValue(got, want) {
					t.Errorf("%s\n got: %s\nwant: %s", ex.Expr, EncodeJSON(got), ex.Want)
				}
			}
		})
	}
}

// TestStatementExamples runs every transform's examples.
func TestStatementExamples(t *testing.T) {
	for _, s := range Statements() {
		t.Run(s.Name, func(t *testing.T) {
			for _, ex := range s.Examples {
				got, err := runRules(t, ex.Rules, ex.Source, Options{})
				if ex.WantError != "" {
					if err == nil || !strings.Contains(err.Error(), ex.WantError) {
						t.Errorf("%s: err = %v, want one containing %q", ex.Rules, err, ex.WantError)
					}
					continue
				}
				if err != nil {
					t.Errorf("%s: %v", ex.Rules, err)
					continue
				}
				want := mustDecode(t, "want", ex.Want)
				if !sameValue(got, want) {
					t.Errorf("%s over %s\n got: %s\nwant: %s", ex.Rules, ex.Source, EncodeJSON(got), ex.Want)
				}
			}
		})
	}
}
