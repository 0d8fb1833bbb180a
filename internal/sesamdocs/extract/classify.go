package main

import (
	"bytes"
	"encoding/json"
	"io"
	"regexp"
	"strings"
)

// example is a complete config example: a JSON object with "_id" and a
// "type" of "pipe" or "system:<kind>", or a list of config objects holding
// at least one such.
type example struct {
	Page  string
	Line  int // the page line of the example's first line
	Lines int // how many lines it has
	Text  string
	IDs   []string // the "_id" of each config object, in order
	Types []string // the "type" of each, in order
}

// rejected is a literal block that looks like a pipe or system but is not
// a complete example, with the reason.
type rejected struct {
	Page   string
	Line   int
	Lines  int
	Reason string
}

// configish finds blocks that mention a pipe or system type at all.
var configish = regexp.MustCompile(`"type"\s*:\s*"(pipe|system:[^"]*)"`)

// splitValues splits a block holding several JSON values one after
// another (a system and then a pipe, say) into one block per value, each
// from the start of its first line. Any other block comes back whole.
func splitValues(b block) []block {
	dec := json.NewDecoder(strings.NewReader(b.Text))
	var parts []block
	end := 0
	for {
		var v json.RawMessage
		err := dec.Decode(&v)
		if err == io.EOF {
			break
		}
		if err != nil {
			return []block{b}
		}
		start := end + len(b.Text[end:]) - len(strings.TrimLeft(b.Text[end:], " \t\r\n"))
		start = strings.LastIndexByte(b.Text[:start], '\n') + 1
		end = int(dec.InputOffset())
		stop := len(b.Text)
		if i := strings.IndexByte(b.Text[end:], '\n'); i >= 0 {
			stop = end + i + 1
		}
		parts = append(parts, block{Line: b.Line + strings.Count(b.Text[:start], "\n"), Text: b.Text[start:stop]})
	}
	if len(parts) < 2 {
		return []block{b}
	}
	return parts
}

// classify tells a complete example from a block that only looks like
// one (reason says why) and from everything else (both empty).
func classify(b block) (ex *example, reason string) {
	if !configish.MatchString(b.Text) {
		return nil, ""
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(b.Text))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, "not JSON: " + err.Error()
	}
	if rest := strings.TrimSpace(b.Text[dec.InputOffset():]); rest != "" {
		return nil, "not JSON: text after the value: " + firstLine(rest)
	}
	var objs []map[string]any
	switch v := v.(type) {
	case map[string]any:
		objs = []map[string]any{v}
	case []any:
		for _, item := range v {
			m, ok := item.(map[string]any)
			if !ok {
				return nil, "a list holding something other than config objects"
			}
			objs = append(objs, m)
		}
	default:
		return nil, "not a JSON object or list"
	}
	ex = &example{Line: b.Line, Text: b.Text, Lines: bytes.Count([]byte(b.Text), []byte("\n"))}
	complete := false
	for _, o := range objs {
		id, _ := o["_id"].(string)
		typ, _ := o["type"].(string)
		if id == "" || typ == "" {
			if len(objs) == 1 {
				return nil, `no "_id" (a fragment)`
			}
			return nil, `a list with an object lacking "_id" or "type"`
		}
		if typ == "pipe" || strings.HasPrefix(typ, "system:") {
			complete = true
		}
		ex.IDs = append(ex.IDs, id)
		ex.Types = append(ex.Types, typ)
	}
	if !complete {
		return nil, "no pipe or system object"
	}
	return ex, ""
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
