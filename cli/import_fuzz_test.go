package cli

import (
	"bytes"
	"testing"

	"github.com/sluice-sync/sluice/entity"
)

// FuzzReadEntities: the import reader takes untrusted input. It must not
// panic, and every entity it hands on must be one a dataset accepts.
func FuzzReadEntities(f *testing.F) {
	for _, seed := range []string{
		"{\"_id\":\"a\"}\n{\"_id\":\"b\",\"x\":[1]}\n",
		"\n\n[ {\"_id\":\"a\"},\n {\"_id\":\"b\"} ]",
		"[{\"_id\":\"a\"} {\"_id\":\"b\"}]",
		"{\"_id\":\"a\"} {\"_id\":\"b\"}",
		"[", "]", "[]", "", "\n", "{\"v\":1}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		readEntities(bytes.NewReader(data), func(batch []entity.Entity) error {
			for _, e := range batch {
				if err := entity.Check(e); err != nil {
					t.Fatalf("handed on %q, which a dataset refuses: %v", e, err)
				}
			}
			return nil
		})
	})
}
