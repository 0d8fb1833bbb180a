// Command extract regenerates testdata/sesam-docs, the corpus of complete
// pipe and system examples of the Sesam documentation, from a git mirror
// of github.com/datanav/docs:
//
//	go run ./internal/sesamdocs/extract -mirror /work/.mirror/datanav+docs/repo
//
// It writes one folder per page, one file per example (the example's text
// exactly as the page has it, so a problem's line maps to the page's), and
// a README.md per folder saying where each file comes from. It leaves the
// corpus's own README.md and expected.json alone: the acceptance test in
// cli (TestSesamDocs) owns those.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// wholeFiles are config files of the docs taken whole, with the folder
// they go to.
var wholeFiles = map[string]string{
	"hub/files/getting-started-config.json": "getting-started-config",
}

func main() {
	mirror := flag.String("mirror", "/work/.mirror/datanav+docs/repo", "a git clone or bare mirror of github.com/datanav/docs")
	rev := flag.String("rev", "HEAD", "the revision to read")
	out := flag.String("out", "testdata/sesam-docs", "the corpus folder; page folders in it are replaced")
	verbose := flag.Bool("v", false, "list the blocks that look like configs but are not complete examples")
	flag.Parse()
	if err := run(*mirror, *rev, *out, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "extract:", err)
		os.Exit(1)
	}
}

func run(mirror, rev, out string, verbose bool) error {
	commit, err := git(mirror, "rev-parse", rev+"^{commit}")
	if err != nil {
		return err
	}
	commit = strings.TrimSpace(commit)
	list, err := git(mirror, "ls-tree", "-r", "--name-only", commit)
	if err != nil {
		return err
	}
	var pages []page
	var rejects []rejected
	for _, name := range strings.Split(strings.TrimSpace(list), "\n") {
		if !strings.HasSuffix(name, ".rst") {
			continue
		}
		src, err := git(mirror, "show", commit+":"+name)
		if err != nil {
			return err
		}
		p := page{Source: name, Folder: folderName(name)}
		for _, whole := range literalBlocks(src) {
			for _, b := range splitValues(whole) {
				ex, reason := classify(b)
				switch {
				case ex != nil:
					ex.Page = name
					p.Examples = append(p.Examples, *ex)
				case reason != "":
					rejects = append(rejects, rejected{Page: name, Line: b.Line, Lines: strings.Count(b.Text, "\n"), Reason: reason})
				}
			}
		}
		if len(p.Examples) > 0 {
			pages = append(pages, p)
		}
	}
	for name, folder := range wholeFiles {
		src, err := git(mirror, "show", commit+":"+name)
		if err != nil {
			return err
		}
		ex, reason := classify(block{Line: 1, Text: src})
		if ex == nil {
			return fmt.Errorf("%s: %s", name, reason)
		}
		ex.Page = name
		pages = append(pages, page{Source: name, Folder: folder, Examples: []example{*ex}})
	}
	slices.SortFunc(pages, func(a, b page) int { return strings.Compare(a.Folder, b.Folder) })
	if verbose {
		for _, r := range rejects {
			fmt.Fprintf(os.Stderr, "%s:%d-%d: %s\n", r.Page, r.Line, r.Line+r.Lines-1, r.Reason)
		}
	}
	if err := write(out, commit, pages); err != nil {
		return err
	}
	if err := writeIncomplete(filepath.Join(out, "incomplete.md"), commit, rejects); err != nil {
		return err
	}
	n := 0
	for _, p := range pages {
		n += len(p.Examples)
	}
	fmt.Printf("%d examples from %d pages of datanav/docs %s into %s (%d config-like blocks are not complete examples; -v lists them)\n",
		n, len(pages), commit[:12], out, len(rejects))
	return nil
}

// page is one page of the docs with its complete examples.
type page struct {
	Source   string // its path in the docs repository
	Folder   string // its folder in the corpus
	Examples []example
}

// folderName is a page's folder: its path under hub/ (documentation/
// left out), with "--" between the parts.
func folderName(name string) string {
	name = strings.TrimSuffix(name, path.Ext(name))
	name = strings.TrimPrefix(name, "hub/")
	name = strings.TrimPrefix(name, "documentation/")
	return strings.ReplaceAll(name, "/", "--")
}

var unsafe = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// fileName is an example's file: its number on the page and its first
// _id, made safe for a file name.
func fileName(i int, ex example) string {
	id := strings.Trim(unsafe.ReplaceAllString(ex.IDs[0], "_"), "_.")
	if len(id) > 60 {
		id = id[:60]
	}
	return fmt.Sprintf("%02d-%s.json", i+1, id)
}

// write replaces every page folder of the corpus (a folder with a
// README.md that says it was extracted) by the pages.
func write(out, commit string, pages []page) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		return err
	}
	for _, e := range entries {
		readme := filepath.Join(out, e.Name(), "README.md")
		if b, err := os.ReadFile(readme); e.IsDir() && err == nil && bytes.Contains(b, []byte(generatedMark)) {
			if err := os.RemoveAll(filepath.Join(out, e.Name())); err != nil {
				return err
			}
		}
	}
	for _, p := range pages {
		dir := filepath.Join(out, p.Folder)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		var readme strings.Builder
		fmt.Fprintf(&readme, "# %s\n\n%s\n\nThe examples of [`%s`](https://github.com/datanav/docs/blob/%s/%s) (datanav/docs %s),\n",
			p.Folder, generatedMark, p.Source, commit, p.Source, commit[:12])
		readme.WriteString("each file exactly as the page has it: line N of a file is line N + first - 1 of the page.\n\n")
		readme.WriteString("| file | page lines | _id | type |\n|---|---|---|---|\n")
		for i, ex := range p.Examples {
			name := fileName(i, ex)
			if _, whole := wholeFiles[p.Source]; whole {
				name = path.Base(p.Source)
			}
			if err := os.WriteFile(filepath.Join(dir, name), []byte(ex.Text), 0o644); err != nil {
				return err
			}
			fmt.Fprintf(&readme, "| %s | %d-%d | %s | %s |\n", name, ex.Line, ex.Line+ex.Lines-1,
				code(ex.IDs), code(ex.Types))
		}
		if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte(readme.String()), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// writeIncomplete lists the blocks that look like a pipe or a system but
// are not complete examples, so that what the corpus leaves out is seen.
func writeIncomplete(path, commit string, rejects []rejected) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Config-like blocks that are not complete examples\n\n%s\n\n", generatedMark)
	fmt.Fprintf(&b, "Literal blocks of datanav/docs %s that mention `\"type\": \"pipe\"` or `\"type\": \"system:...\"`\n", commit[:12])
	b.WriteString("but are not a JSON object or list with an `_id` (prototypes with placeholders, fragments, cut-off text).\n\n")
	b.WriteString("| page | lines | why |\n|---|---|---|\n")
	for _, r := range rejects {
		fmt.Fprintf(&b, "| %s | %d-%d | %s |\n", r.Page, r.Line, r.Line+r.Lines-1, strings.ReplaceAll(r.Reason, "|", `\|`))
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// generatedMark tells a page folder this program wrote from anything else
// in the corpus.
const generatedMark = "Generated by `go run ./internal/sesamdocs/extract`; do not edit."

func code(list []string) string {
	quoted := make([]string, len(list))
	for i, s := range list {
		quoted[i] = "`" + strings.ReplaceAll(s, "|", `\|`) + "`"
	}
	return strings.Join(quoted, ", ")
}

func git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}
