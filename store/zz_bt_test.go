package store

import (
	"fmt"
	"testing"

	"github.com/sluice-sync/sluice/entity"
)

func BenchmarkStateWrite(b *testing.B) {
	s, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for r := 0; r < b.N; r++ {
		es := make([]entity.Entity, 100)
		for i := range es {
			es[i] = entity.Entity(fmt.Sprintf(`{"_id":"c%d","hash":"0123456789abcdef0123456789abcdef"}`, r*100+i))
		}
		if _, err := s.Write("state", es, WriteOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
