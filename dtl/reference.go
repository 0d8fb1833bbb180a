package dtl

import (
	"fmt"
	"io"
	"regexp"
	"strings"
)

// longString matches JSON string literals too long to read in a table of
// examples (keys and tokens in the crypto examples).
var longString = regexp.MustCompile(`"(?:[^"\\]|\\.){100,}"`)

// abbreviate shortens long string literals in example JSON.
func abbreviate(s string) string {
	return longString.ReplaceAllStringFunc(s, func(lit string) string { return strings.TrimRight(lit[:40], "\\") + `…"` })
}

// WriteReference renders the DTL reference (docs/dtl-reference.md) from
// the registries: every transform and function with its arguments, its
// description and its examples, which the tests also run.
func WriteReference(w io.Writer) error {
	var b strings.Builder
	b.WriteString("# DTL reference\n\n")
	b.WriteString("Generated from the function registry by `go test ./dtl -run TestReferenceDoc -update`; do not edit by hand.\n")
	b.WriteString("Every example below is run by `go test ./dtl` (TestFunctionExamples, TestStatementExamples).\n\n")
	b.WriteString("Semantics shared by all functions (values are lists, truthiness, argument order, paths) are in `docs/dtl.md`.\n\n")
	b.WriteString("## Transforms (statements)\n\n")
	for _, s := range Statements() {
		fmt.Fprintf(&b, "### `%s`\n\n`%s`\n\n%s\n\n", s.Name, s.Args, s.Doc)
		for _, ex := range s.Examples {
			if ex.WantError != "" {
				fmt.Fprintf(&b, "- rules `%s` over `%s` → error `…%s…`\n", ex.Rules, ex.Source, ex.WantError)
				continue
			}
			fmt.Fprintf(&b, "- rules `%s` over `%s` → `%s`\n", ex.Rules, ex.Source, ex.Want)
		}
		b.WriteString("\n")
	}
	family := ""
	for _, f := range Funcs() {
		if f.Family != family {
			family = f.Family
			fmt.Fprintf(&b, "## Functions: %s\n\n", family)
		}
		fmt.Fprintf(&b, "### `%s`\n\n`%s`\n\n%s\n\n", f.Name, f.Args, f.Doc)
		for _, ex := range f.Examples {
			line := fmt.Sprintf("- `%s` → `%s`", abbreviate(ex.Expr), abbreviate(ex.Want))
			if ex.Source != "" {
				line += fmt.Sprintf(" (with `_S` = `%s`)", ex.Source)
			}
			if ex.Rules == hopsExampleData {
				line += " (with dataset `orders`: o1 c1 BILLING, o2 c1 SHIPPING, o3 c2 BILLING, at offsets 0–2; rule `order` adds `id` from `_S._id`)"
			} else if ex.Rules != "" {
				line += fmt.Sprintf(" (with rules `%s`)", ex.Rules)
			}
			b.WriteString(line + "\n")
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
