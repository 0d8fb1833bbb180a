package torture

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// A sparse file, like Badger's preallocated value log, copies to the same
// bytes and size.
func TestCopyFileSparse(t *testing.T) {
	dir := t.TempDir()
	from := filepath.Join(dir, "from")
	f, err := os.Create(from)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("head"), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("middle"), 8<<20); err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(64 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	to := filepath.Join(dir, "to")
	if err := copyFile(from, to); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(from)
	b, err := os.ReadFile(to)
	if err != nil || !bytes.Equal(a, b) {
		t.Fatalf("copy differs (%d vs %d bytes): %v", len(a), len(b), err)
	}
}
