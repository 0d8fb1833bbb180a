package connector

import (
	"fmt"
	"testing"

	"github.com/sluice-sync/sluice/pipes"
)

func TestSplitPlaceholders(t *testing.T) {
	at := pipes.Pos{File: "t.json", Offset: 10, Line: 3, Col: 5}
	for _, tc := range []struct {
		raw, want string
	}{
		{``, `[]`},
		{`plain`, `[lit "plain"]`},
		{`{{@ system @}}`, `[system@3:5]`},
		{`{{@system@}}-{{@  datatype  @}}`, `[system@3:5 lit "-" datatype@3:18]`},
		// Columns count runes; literals are decoded, escapes and all.
		{`é\"{{@ a @}}\u00e9{{ b }}`, `[lit "é\"" a@3:8 lit "é{{ b }}"]`},
		// An escaped brace is not a delimiter, as in Jinja, which reads
		// the file's text.
		{`\u007b{@ a @}}`, `[lit "{{@ a @}}"]`},
		{`{{ {{@ a @}} }}`, `[lit "{{ " a@3:8 lit " }}"]`},
		{`{{@ a @}`, `error 3:5: placeholder not closed: expected @}}`},
		{`x{{@ a b @}}`, `error 3:6: placeholder "a b" is not a name: only {{@ name @}} is supported (no filters or expressions)`},
		{`{{@ 1a @}}`, `error 3:5: placeholder "1a" is not a name: only {{@ name @}} is supported (no filters or expressions)`},
		{`{{@ a.b @}}`, `error 3:5: placeholder "a.b" is not a name: a placeholder is a letter or _ followed by letters, digits or _ (Jinja would read - and . as operators)`},
		{`ab{{% for %}}`, `error 3:7: Jinja statements ({{% ... %}}) are not supported: only {{@ name @}} placeholders`},
		{`\x`, "error 3:5: invalid string: invalid escape sequence `\\x` in string"},
	} {
		parts, err := splitPlaceholders([]byte(tc.raw), at)
		got := ""
		if err != nil {
			got = fmt.Sprintf("error %d:%d: %s", err.Pos.Line, err.Pos.Col, err.Msg)
		} else {
			got = "["
			for i, p := range parts {
				if i > 0 {
					got += " "
				}
				if p.name == "" {
					got += fmt.Sprintf("lit %q", p.text)
				} else {
					got += fmt.Sprintf("%s@%d:%d", p.name, p.pos.Line, p.pos.Col)
				}
			}
			got += "]"
		}
		if got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.raw, got, tc.want)
		}
	}
}
