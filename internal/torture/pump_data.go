package torture

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// The long pump's source: entity i has _id srcID(i), n i, a name, and
// every 16th a bio long enough for Badger's value log. Each copy pipe K
// transforms it with copyRules(K).

func srcID(i int) string { return fmt.Sprintf("e%07d", i) }

func srcName(i int) string { return fmt.Sprintf("entity %d", i) }

func srcBio(i int) string {
	if i%16 != 0 {
		return ""
	}
	return strings.Repeat(string(rune('a'+i%26)), 300)
}

// writeSource writes n source entities as NDJSON.
func writeSource(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for i := range n {
		fmt.Fprintf(w, `{"_id":%q,"n":%d,"name":%q`, srcID(i), i, srcName(i))
		if bio := srcBio(i); bio != "" {
			fmt.Fprintf(w, `,"bio":%q`, bio)
		}
		w.WriteString("}\n")
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// copyRules is the small DTL transform of copy pipe k: drop name, add its
// upper case as label, n doubled and the pipe's number.
func copyRules(k int) obj {
	return obj{"default": []any{
		[]any{"copy", "*"},
		[]any{"remove", "name"},
		[]any{"add", "label", []any{"upper", "_S.name"}},
		[]any{"add", "n2", []any{"*", "_S.n", 2}},
		[]any{"add", "copy", k},
	}}
}
