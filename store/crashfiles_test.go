package store

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

// A kill just after Badger created a log file, before it sized it, leaves
// an empty .vlog or .mem file behind. The folder must still open at once,
// with every entity in it.
func TestOpenAfterACrashLeftAnEmptyLogFile(t *testing.T) {
	for _, name := range []string{"000009.vlog", "00009.mem"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := Open(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			mustWrite(t, s, "x", WriteOptions{}, `{"_id":"a"}`, `{"_id":"b"}`)
			s.Close()
			if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			s, err = Open(dir, Options{Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatalf("open with an empty %s: %v", name, err)
			}
			defer s.Close()
			if info, _ := s.Dataset("x"); info.Entities != 2 {
				t.Errorf("after the open: %+v", info)
			}
			mustWrite(t, s, "x", WriteOptions{}, fmt.Sprintf(`{"_id":"c%s"}`, name))
		})
	}
}
