package main

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
)

const samplePage = `Title
=====

Example::

    {"_id": "a", "type": "pipe",
     "source": {"type": "embedded", "entities": []}}

Text again.

.. code-block :: json
  :linenos:

  {"_id": "s", "type": "system:url"}

  {"_id": "b", "type": "pipe"}

.. list-table::

   * - ` + "``x``" + `
     - A cell whose example is::

         [{"_id": "c", "type": "pipe"}, {"_id": "node", "type": "metadata"}]

       and text after it, not part of it.

#. A step::

     {"source": {"type": "dataset"}, "type": "pipe"}

::

  {"_id": "d", "type": "pipe", ...}

.. note::

   Not literal: {"_id": "e", "type": "pipe"}
`

// TestExamples: literal blocks after "::" (in a paragraph, a list item
// or a list-table cell) and in code-block directives (with a space before
// "::" and options); a block of several values is split; fragments and
// prototypes are refused with a reason; a note is not a literal block.
func TestExamples(t *testing.T) {
	var got []string
	var reasons []string
	for _, whole := range literalBlocks(samplePage) {
		for _, b := range splitValues(whole) {
			ex, reason := classify(b)
			if ex != nil {
				got = append(got, strings.Join(ex.IDs, ",")+"@"+strconv.Itoa(ex.Line)+"+"+strconv.Itoa(ex.Lines))
			} else if reason != "" {
				reasons = append(reasons, strconv.Itoa(b.Line)+": "+reason)
			}
		}
	}
	want := []string{"a@6+2", "s@14+1", "b@16+1", "c,node@23+1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("examples %v, want %v", got, want)
	}
	wantReasons := []string{`29: no "_id" (a fragment)`, "33: not JSON: invalid character '.' looking for beginning of object key string"}
	if !reflect.DeepEqual(reasons, wantReasons) {
		t.Errorf("refused %q, want %q", reasons, wantReasons)
	}
}

// TestBlockText: a block keeps its lines (blank ones too) without their
// common indentation, so file line N is page line N + first - 1.
func TestBlockText(t *testing.T) {
	blocks := literalBlocks("Intro::\n\n      {\n\n        \"a\": 1\n      }\n\nafter\n")
	if len(blocks) != 1 || blocks[0].Line != 3 || blocks[0].Text != "{\n\n  \"a\": 1\n}\n" {
		t.Fatalf("blocks %+v", blocks)
	}
}

func TestFolderAndFileNames(t *testing.T) {
	for in, want := range map[string]string{
		"hub/documentation/service-configuration/pipes/configuration-sources-merge.rst": "service-configuration--pipes--configuration-sources-merge",
		"hub/tutorial-getting-started-collect.rst":                                      "tutorial-getting-started-collect",
		"talk/systems/hubspot.rst":                                                      "talk--systems--hubspot",
	} {
		if got := folderName(in); got != want {
			t.Errorf("folderName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := fileName(2, example{IDs: []string{"<system>-<datatype>-all"}}); got != "03-system_-_datatype_-all.json" {
		t.Errorf("fileName: %q", got)
	}
}
