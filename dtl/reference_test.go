package dtl

import (
	"bytes"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/dtl-reference.md")

// TestReferenceDoc keeps docs/dtl-reference.md in step with the registry.
func TestReferenceDoc(t *testing.T) {
	var b bytes.Buffer
	if err := WriteReference(&b); err != nil {
		t.Fatal(err)
	}
	const path = "../docs/dtl-reference.md"
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	have, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./dtl -run TestReferenceDoc -update)", err)
	}
	if !bytes.Equal(have, b.Bytes()) {
		t.Fatal("docs/dtl-reference.md is out of date; run go test ./dtl -run TestReferenceDoc -update")
	}
}
