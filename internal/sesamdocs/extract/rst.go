package main

import (
	"regexp"
	"strings"
)

// block is one literal block of a reStructuredText page.
type block struct {
	Line int    // the page line (1-based) of the block's first line
	Text string // the block without its common indentation, ending in "\n"
}

// literalBlocks finds the literal blocks of an rst page: the indented text
// after a paragraph ending in "::" and the body of a code-block, code or
// sourcecode directive (after its options). The block ends at the first
// non-blank line indented no deeper than the paragraph or directive that
// opened it. A paragraph in a list item or a list-table cell counts from
// where its text starts, after the markers.
func literalBlocks(src string) []block {
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	var out []block
	for i := 0; i < len(lines); i++ {
		trimmed := strings.TrimSpace(lines[i])
		directive := isCodeDirective(trimmed)
		if !directive && (!strings.HasSuffix(trimmed, "::") || strings.HasPrefix(trimmed, "..")) {
			continue
		}
		base := contentIndent(lines[i])
		j := i + 1
		if directive {
			for j < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[j]), ":") && indent(lines[j]) > base {
				j++
			}
		}
		start, end := -1, -1
		for k := j; k < len(lines); k++ {
			if strings.TrimSpace(lines[k]) == "" {
				continue
			}
			if indent(lines[k]) <= base {
				break
			}
			if start < 0 {
				start = k
			}
			end = k
		}
		if start < 0 {
			continue
		}
		out = append(out, block{Line: start + 1, Text: dedent(lines[start : end+1])})
		i = end
	}
	return out
}

// codeDirective matches a directive whose body is literal text; docutils
// allows one space before the "::" (".. code-block :: json").
var codeDirective = regexp.MustCompile(`^\.\.[ ]+(code-block|code|sourcecode) ?::( |$)`)

// isCodeDirective reports whether a trimmed line opens a directive whose
// body is literal text.
func isCodeDirective(trimmed string) bool {
	return codeDirective.MatchString(trimmed)
}

// indent counts the leading spaces of a line (a tab counts as up to the
// next multiple of 8, as in docutils).
func indent(line string) int {
	n := 0
	for _, r := range line {
		switch r {
		case ' ':
			n++
		case '\t':
			n += 8 - n%8
		default:
			return n
		}
	}
	return n
}

// contentIndent is where a line's text starts after its list markers
// ("* ", "- ", "+ ", "#. ", "1. "), which may be nested as in a
// list-table row ("* - text").
func contentIndent(line string) int {
	n := indent(line)
	rest := strings.TrimLeft(line, " \t")
	for {
		m := listMarker(rest)
		if m == 0 {
			return n
		}
		rest = rest[m:]
		n += m
		spaces := len(rest) - len(strings.TrimLeft(rest, " "))
		rest = rest[spaces:]
		n += spaces
	}
}

// listMarker returns the length of the list marker at the start of s
// (without the space after it), or 0.
func listMarker(s string) int {
	if len(s) >= 2 && strings.ContainsRune("*-+", rune(s[0])) && s[1] == ' ' {
		return 1
	}
	if strings.HasPrefix(s, "#. ") {
		return 2
	}
	digits := 0
	for digits < len(s) && s[digits] >= '0' && s[digits] <= '9' {
		digits++
	}
	if digits > 0 && strings.HasPrefix(s[digits:], ". ") {
		return digits + 1
	}
	return 0
}

// dedent removes the indentation the lines share and ends the text with
// one newline.
func dedent(lines []string) string {
	common := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if n := indent(l); common < 0 || n < common {
			common = n
		}
	}
	var b strings.Builder
	for _, l := range lines {
		l = expandTabs(strings.TrimRight(l, " \t"))
		if len(l) >= common {
			l = l[common:]
		} else {
			l = ""
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// expandTabs turns the tabs of a line's indentation into spaces.
func expandTabs(l string) string {
	n := indent(l)
	return strings.Repeat(" ", n) + strings.TrimLeft(l, " \t")
}
