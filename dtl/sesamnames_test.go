package dtl

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path"
	"regexp"
	"strings"
	"testing"
)

// sesamDocs, when set, regenerates testdata/sesam-names.txt from a git
// mirror of Sesam's documentation (datanav/docs).
var sesamDocs = flag.String("sesam-docs", "", "regenerate testdata/sesam-names.txt from this git directory of datanav/docs")

const sesamNamesFile = "testdata/sesam-names.txt"

// sesamName is one function or statement the Sesam DTL reference documents.
type sesamName struct{ kind, name, page string }

// TestRegistryCoversSesamReference fails when the Sesam DTL reference
// documents a function or statement the registry lacks. The documented
// names are a generated copy in testdata, so the test needs no mirror.
func TestRegistryCoversSesamReference(t *testing.T) {
	if *sesamDocs != "" {
		names, err := readSesamNames(*sesamDocs)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(sesamNamesFile, formatSesamNames(names), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(sesamNamesFile)
	if err != nil {
		t.Fatal(err)
	}
	var names []sesamName
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 || (f[0] != "function" && f[0] != "statement") {
			t.Fatalf("%s: bad line %q", sesamNamesFile, line)
		}
		names = append(names, sesamName{f[0], f[1], f[2]})
	}
	kinds := map[string]int{}
	for _, n := range names {
		kinds[n.kind]++
		if n.kind == "statement" {
			if _, ok := statements[n.name]; !ok {
				t.Errorf("the Sesam reference documents the transform %q (hub/dtl/%s); the registry has no such statement", n.name, n.page)
			}
			continue
		}
		if _, ok := funcs[n.name]; !ok {
			t.Errorf("the Sesam reference documents the function %q (hub/dtl/%s); the registry has no such function", n.name, n.page)
		}
	}
	// The list itself must be whole: the reference has well over a hundred
	// functions and some twenty transforms.
	if kinds["function"] < 140 || kinds["statement"] < 15 {
		t.Fatalf("%s lists %d functions and %d statements; it looks cut short", sesamNamesFile, kinds["function"], kinds["statement"])
	}
}

// sectionName matches a section title that is one name in double
// backquotes alone: that is how every function and transform of
// hub/dtl/*.rst is headed.
var sectionName = regexp.MustCompile("^``([^`\\s]+)``$")

// readSesamNames lists the names the reference documents: each section
// whose title is such a name (underlined on the next line). Those in
// dtl-functions-transforms.rst are statements, the rest functions.
func readSesamNames(gitDir string) ([]sesamName, error) {
	out, err := exec.Command("git", "-C", gitDir, "ls-tree", "--name-only", "HEAD", "hub/dtl/").Output()
	if err != nil {
		return nil, fmt.Errorf("listing hub/dtl: %w", err)
	}
	var names []sesamName
	for _, file := range strings.Fields(string(out)) {
		if !strings.HasSuffix(file, ".rst") {
			continue
		}
		text, err := exec.Command("git", "-C", gitDir, "show", "HEAD:"+file).Output()
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", file, err)
		}
		kind := "function"
		if path.Base(file) == "dtl-functions-transforms.rst" {
			kind = "statement"
		}
		lines := strings.Split(string(text), "\n")
		for i := 0; i+1 < len(lines); i++ {
			m := sectionName.FindStringSubmatch(strings.TrimRight(lines[i], " \r"))
			under := strings.TrimRight(lines[i+1], " \r")
			if m != nil && len(under) >= len(m[0]) && strings.Trim(under, under[:1]) == "" && strings.ContainsAny(under[:1], "-=~^\"'`#*+") {
				names = append(names, sesamName{kind, m[1], path.Base(file)})
			}
		}
	}
	return names, nil
}

func formatSesamNames(names []sesamName) []byte {
	var b bytes.Buffer
	b.WriteString(`# The functions and transforms (statements) that Sesam's DTL reference
# documents: every section of hub/dtl/*.rst in datanav/docs whose title is
# one ` + "``name``" + ` alone; those of dtl-functions-transforms.rst are statements.
# TestRegistryCoversSesamReference fails when the registry lacks one.
#
# Generated; do not edit. Regenerate from a git mirror of datanav/docs with
#   go test ./dtl -run TestRegistryCoversSesamReference -sesam-docs /path/to/datanav-docs.git
#
# kind name page
`)
	for _, n := range names {
		fmt.Fprintf(&b, "%s %s %s\n", n.kind, n.name, n.page)
	}
	return b.Bytes()
}
