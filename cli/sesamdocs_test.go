package cli

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// sesamDocs is the corpus of the Sesam documentation's complete pipe and
// system examples (see its README.md; internal/sesamdocs/extract
// regenerates the page folders).
const sesamDocs = "../testdata/sesam-docs"

// docOutcome is what `sluice validate` says of one example.
type docOutcome struct {
	Valid    bool     `json:"valid"`
	Problems []string `json:"problems,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

// TestSesamDocs validates every example of the corpus as `sluice validate`
// does, every $ENV and $SECRET set, and wants exactly the outcome
// expected.json records: "valid", or the exact problems (and warnings).
// An example is validated with the other examples of its page (so a pipe
// finds the system the page defines), leaving out those that define one
// of its _ids again; only what is reported in its own file counts.
//
// When sluice learns a type or a key, the outcomes change and this test
// fails until `go test ./cli -run TestSesamDocs -update` rewrites
// expected.json and the report table in the corpus's README.md.
func TestSesamDocs(t *testing.T) {
	var setup docsSetup
	readJSON(t, filepath.Join(sesamDocs, "setup.json"), &setup)
	pages := docPages(t)
	for page := range setup.Pages {
		if !slices.Contains(pages, page) {
			t.Errorf("setup.json: no page folder %q", page)
		}
	}
	got := map[string]docOutcome{}
	for _, page := range pages {
		files := pageFiles(t, page)
		for _, other := range setup.Pages[page].With {
			files = append(files, pageFiles(t, other)...)
		}
		env := maps.Clone(setup.Env)
		maps.Copy(env, setup.Pages[page].Env)
		for _, f := range files {
			if f.page == page {
				got[page+"/"+f.name] = validateExample(t, files, f, env)
			}
		}
	}

	report := docsReport(t, got)
	expectedPath := filepath.Join(sesamDocs, "expected.json")
	readmePath := filepath.Join(sesamDocs, "README.md")
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	newReadme, err := replaceBetween(string(readme), reportBegin, reportEnd, report)
	if err != nil {
		t.Fatalf("%s: %v", readmePath, err)
	}
	if *update {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false) // "<data>", "<system>" stay readable
		enc.SetIndent("", "  ")
		if err := enc.Encode(got); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(expectedPath, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(readmePath, []byte(newReadme), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}

	var want map[string]docOutcome
	readJSON(t, expectedPath, &want)
	for _, name := range sortedKeys(got, want) {
		g, inGot := got[name]
		w, inWant := want[name]
		switch {
		case !inWant:
			t.Errorf("%s: a new example, not in expected.json; it gives %s", name, describeOutcome(g))
		case !inGot:
			t.Errorf("%s: in expected.json, but the corpus has no such example", name)
		case !slices.Equal(g.Problems, w.Problems) || !slices.Equal(g.Warnings, w.Warnings) || g.Valid != w.Valid:
			t.Errorf("%s: the outcome changed:\nexpected %s\ngot      %s", name, describeOutcome(w), describeOutcome(g))
		}
	}
	if newReadme != string(readme) {
		t.Errorf("%s: the report table is stale", readmePath)
	}
	if t.Failed() {
		t.Log("if the change is what you meant, run go test ./cli -run TestSesamDocs -update and commit testdata/sesam-docs")
	}
}

// docsSetup is setup.json: the values of $ENV and $SECRET that matter
// (the docs give them; any other name is "dummy-<name>"), and, by page,
// other values and the pages whose examples it builds on (a tutorial in
// parts defines a system in one part and uses it in the next).
type docsSetup struct {
	Env   map[string]string `json:"env"`
	Pages map[string]struct {
		Env  map[string]string `json:"env"`
		With []string          `json:"with"`
	} `json:"pages"`
}

// docFile is one example file of a page and the _ids it defines.
type docFile struct {
	page, name string
	ids        []string
}

// docPages lists the page folders of the corpus: those holding examples.
func docPages(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(sesamDocs)
	if err != nil {
		t.Fatal(err)
	}
	var pages []string
	for _, e := range entries {
		if e.IsDir() {
			if m, _ := filepath.Glob(filepath.Join(sesamDocs, e.Name(), "*.json")); len(m) > 0 {
				pages = append(pages, e.Name())
			}
		}
	}
	if len(pages) == 0 {
		t.Fatal("no page folders in " + sesamDocs)
	}
	return pages
}

func pageFiles(t *testing.T, page string) []docFile {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(sesamDocs, page, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var files []docFile
	for _, p := range paths {
		var v any
		readJSON(t, p, &v)
		objs, ok := v.([]any)
		if !ok {
			objs = []any{v}
		}
		f := docFile{page: page, name: filepath.Base(p)}
		for _, o := range objs {
			if m, ok := o.(map[string]any); ok {
				if id, ok := m["_id"].(string); ok {
					f.ids = append(f.ids, id)
				}
			}
		}
		files = append(files, f)
	}
	return files
}

// validateExample runs `sluice validate` over one example and the other
// examples of its page (and the pages it builds on) that define none of
// the _ids already taken, and keeps what is reported in the example's own
// file.
func validateExample(t *testing.T, files []docFile, f docFile, values map[string]string) docOutcome {
	t.Helper()
	dir := t.TempDir()
	taken := map[string]bool{}
	for _, id := range f.ids {
		taken[id] = true
	}
	chosen := []docFile{f}
	for _, g := range files {
		if (g.page != f.page || g.name != f.name) && !slices.ContainsFunc(g.ids, func(id string) bool { return taken[id] }) {
			chosen = append(chosen, g)
			for _, id := range g.ids {
				taken[id] = true
			}
		}
	}
	for _, g := range chosen {
		b, err := os.ReadFile(filepath.Join(sesamDocs, g.page, g.name))
		if err != nil {
			t.Fatal(err)
		}
		setReferences(t, b, values)
		if err := os.WriteFile(filepath.Join(dir, g.page+"--"+g.name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data := filepath.Join(t.TempDir(), "data")
	code, _, stderr := sluiceIn(t, "", "validate", "--config", dir, "--data", data)
	own := filepath.ToSlash(filepath.Join(dir, f.page+"--"+f.name)) + ":"
	var out docOutcome
	for _, line := range strings.Split(strings.TrimRight(stderr, "\n"), "\n") {
		if line == "" || countLine.MatchString(line) {
			continue
		}
		rest, mine := strings.CutPrefix(line, own)
		if !mine && strings.HasPrefix(line, filepath.ToSlash(dir)+"/") {
			continue // another example's; its own run reports it
		}
		msg := normalizeDocMessage(strings.ReplaceAll(strings.ReplaceAll(rest, data, "<data>"), dir, "<config>"))
		if isWarning.MatchString(msg) {
			out.Warnings = append(out.Warnings, msg)
		} else {
			out.Problems = append(out.Problems, msg)
		}
	}
	out.Valid = len(out.Problems) == 0
	if code != 0 && code != 1 {
		t.Fatalf("%s/%s: validate exited %d: %s", f.page, f.name, code, stderr)
	}
	return out
}

var (
	countLine  = regexp.MustCompile(`^\d+ problems? in `)
	isWarning  = regexp.MustCompile(`^(\d+:\d+: )?(/[^ ]*: )?warning: `)
	reference  = regexp.MustCompile(`\$(ENV|SECRET)\(([^()]*)\)`)
	knownTypes = regexp.MustCompile(`(known|[a-z]+ types): [^()]*\)$`)
)

// setReferences sets every $ENV and $SECRET a file names: to its value in
// setup.json, else to "dummy-<name>".
func setReferences(t *testing.T, b []byte, values map[string]string) {
	t.Helper()
	for _, m := range reference.FindAllSubmatch(b, -1) {
		name := string(m[2])
		v, ok := values[name]
		if !ok {
			v = "dummy-" + name
		}
		if string(m[1]) == "ENV" {
			t.Setenv(name, v)
		} else {
			t.Setenv("SLUICE_SECRET_"+name, v)
		}
	}
}

// normalizeDocMessage leaves out the list of known types an unknown type's
// message ends with: it grows with every type sluice learns, which is not
// a change of this example's outcome.
func normalizeDocMessage(msg string) string {
	return knownTypes.ReplaceAllString(msg, "$1: …)")
}

func describeOutcome(o docOutcome) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(o) // a struct of strings always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

func sortedKeys[V any](maps ...map[string]V) []string {
	var keys []string
	for _, m := range maps {
		for k := range m {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

const (
	reportBegin = "<!-- BEGIN report: written by go test ./cli -run TestSesamDocs -update -->\n"
	reportEnd   = "<!-- END report -->\n"
)

// replaceBetween puts body between the begin and end markers of text.
func replaceBetween(text, begin, end, body string) (string, error) {
	i := strings.Index(text, begin)
	j := strings.Index(text, end)
	if i < 0 || j < i {
		return "", fmt.Errorf("no %q ... %q section", strings.TrimSpace(begin), strings.TrimSpace(end))
	}
	return text[:i+len(begin)] + body + text[j:], nil
}

// docsReport is the checklist: the problems of every example grouped by
// cause, most frequent first, then the warnings the same way.
func docsReport(t *testing.T, got map[string]docOutcome) string {
	t.Helper()
	type tally struct {
		cause    string
		count    int
		examples map[string]bool
	}
	count := func(pick func(docOutcome) []string) []*tally {
		by := map[string]*tally{}
		for name, o := range got {
			for _, msg := range pick(o) {
				c := docCause(t, name, msg)
				if by[c] == nil {
					by[c] = &tally{cause: c, examples: map[string]bool{}}
				}
				by[c].count++
				by[c].examples[name] = true
			}
		}
		var list []*tally
		for _, v := range by {
			list = append(list, v)
		}
		slices.SortFunc(list, func(a, b *tally) int {
			return cmp.Or(cmp.Compare(b.count, a.count), strings.Compare(a.cause, b.cause))
		})
		return list
	}
	valid, withWarnings := 0, 0
	for _, o := range got {
		if o.Valid {
			valid++
		}
		if len(o.Warnings) > 0 {
			withWarnings++
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "\n%d of %d examples are valid; %d have warnings.\n\n", valid, len(got), withWarnings)
	table := func(title string, list []*tally) {
		fmt.Fprintf(&b, "%s\n\n| cause | count | examples |\n|---|---:|---:|\n", title)
		for _, c := range list {
			fmt.Fprintf(&b, "| %s | %d | %d |\n", strings.ReplaceAll(c.cause, "|", `\|`), c.count, len(c.examples))
		}
		b.WriteString("\n")
	}
	table("Problems, by cause:", count(func(o docOutcome) []string { return o.Problems }))
	table("Warnings, by cause:", count(func(o docOutcome) []string { return o.Warnings }))
	return b.String()
}

var (
	position      = regexp.MustCompile(`^(\d+):(\d+): (?:(/[^ ]*): )?(?:warning: )?(.*)$`)
	unknownType   = regexp.MustCompile(`^(unknown (?:config|source|transform|sink|system) type "[^"]*")|^((?:source|transform|sink|system) type "[^"]*" (?:is a Sesam type|runs a Docker container))`)
	unknownKey    = regexp.MustCompile(`^unknown property ("[^"]*")`)
	quotedKey     = regexp.MustCompile(`^(missing required property "[^"]*"|property "[^"]*" is accepted for Sesam compatibility)`)
	alternative   = regexp.MustCompile(`^alternative "[^"]*" \(not chosen\): (.*)$`)
	noSystem      = regexp.MustCompile(`^no system "[^"]*" is defined`)
	datasetNotice = regexp.MustCompile(`^no pipe writes dataset "[^"]*"`)
)

// docCause is what a problem or warning counts as in the report: the
// message without the example's own names and values, and, for a
// property, the component it is on.
func docCause(t *testing.T, example, msg string) string {
	m := position.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	return textCause(t, example, m[3], m[4])
}

func textCause(t *testing.T, example, pointer, text string) string {
	switch {
	case alternative.MatchString(text):
		return "in a conditional's alternative that is not chosen: " + textCause(t, example, pointer, alternative.FindStringSubmatch(text)[1])
	case unknownType.MatchString(text):
		s := unknownType.FindStringSubmatch(text)
		return cmp.Or(s[1], s[2])
	case unknownKey.MatchString(text):
		return "unknown property " + unknownKey.FindStringSubmatch(text)[1] + " on " + docContext(t, example, parentPointer(pointer))
	case quotedKey.MatchString(text):
		at := pointer
		if strings.HasPrefix(text, "property") {
			at = parentPointer(pointer)
		}
		return quotedKey.FindStringSubmatch(text)[1] + " on " + docContext(t, example, at)
	case noSystem.MatchString(text):
		return `no system "…" is defined (defined on no page the example builds on)`
	case datasetNotice.MatchString(text):
		return `no pipe writes dataset "…" (written on no page the example builds on)`
	}
	return docContext(t, example, pointer) + ": " + text
}

func parentPointer(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}

// docContext names the config object at a JSON pointer of an example: a
// pipe, a system, or a pipe's source, transform or sink with its type;
// anything deeper is named by the component holding it and the rest of
// the pointer.
func docContext(t *testing.T, example, pointer string) string {
	var root any
	readJSON(t, filepath.Join(sesamDocs, example), &root)
	parts := strings.Split(strings.TrimPrefix(pointer, "/"), "/")
	if pointer == "" {
		parts = nil
	}
	v := root
	if list, ok := root.([]any); ok && len(parts) > 0 {
		i, err := strconv.Atoi(parts[0])
		if err != nil || i >= len(list) {
			return pointer
		}
		v, parts = list[i], parts[1:]
	}
	obj, _ := v.(map[string]any)
	name, _ := obj["type"].(string)
	for i := 0; i < len(parts); i++ {
		part := parts[i]
		next, ok := obj[part]
		if !ok {
			return name + " /" + strings.Join(parts[i:], "/")
		}
		if list, ok := next.([]any); ok && part == "transform" && i+1 < len(parts) {
			if n, err := strconv.Atoi(parts[i+1]); err == nil && n < len(list) {
				next, i = list[n], i+1
			}
		}
		m, ok := next.(map[string]any)
		typ, _ := m["type"].(string)
		if !ok || (part != "source" && part != "sink" && part != "transform") {
			return name + " /" + strings.Join(parts[i:], "/")
		}
		if typ == "" && part == "sink" {
			typ = "dataset"
		}
		name, obj = strings.TrimSpace(part+" "+typ), m
	}
	return name
}
