package sources

import (
	"context"
	"strings"
	"testing"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/entity"
)

func read(t *testing.T, src component.Source, since string, batch int) (ids []string, tokens []string) {
	t.Helper()
	err := src.Read(context.Background(), component.ReadRequest{Since: since, BatchSize: batch}, func(b component.Batch) error {
		for _, e := range b.Entities {
			id, _ := entity.ID(e)
			ids = append(ids, id)
		}
		tokens = append(tokens, b.Since)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids, tokens
}

func embeddedOf(cfg EmbeddedConfig, docs ...string) *embedded {
	for _, d := range docs {
		cfg.Entities = append(cfg.Entities, entity.Entity(d))
	}
	return &embedded{cfg: &cfg}
}

func TestEmbeddedSinceStrategies(t *testing.T) {
	docs := []string{`{"_id":"a","_updated":5}`, `{"_id":"b","_updated":2}`, `{"_id":"c","_updated":10}`, `{"_id":"d","_updated":7}`}

	// Max strategy (is_since_comparable): the offset only moves at the end.
	maxSrc := embeddedOf(EmbeddedConfig{SupportsSince: true, IsSinceComparable: true}, docs...)
	ids, tokens := read(t, maxSrc, "", 2)
	if strings.Join(ids, ",") != "a,b,c,d" || strings.Join(tokens, ",") != ",,10" {
		t.Fatalf("max from start: ids %v tokens %q", ids, tokens)
	}
	ids, tokens = read(t, maxSrc, "5", 2)
	if strings.Join(ids, ",") != "c,d" || strings.Join(tokens, ",") != "5,10" {
		t.Fatalf("max since 5: ids %v tokens %q", ids, tokens)
	}

	// Chronological: each batch carries its last entity's _updated.
	chrono := embeddedOf(EmbeddedConfig{SupportsSince: true, IsChronological: true},
		`{"_id":"a","_updated":1}`, `{"_id":"b","_updated":2}`, `{"_id":"c","_updated":3}`)
	ids, tokens = read(t, chrono, "", 2)
	if strings.Join(ids, ",") != "a,b,c" || strings.Join(tokens, ",") != "2,3" {
		t.Fatalf("chronological: ids %v tokens %q", ids, tokens)
	}

	// Without supports_since every read is everything, with no offset.
	plain := embeddedOf(EmbeddedConfig{IsSinceComparable: true}, docs...)
	ids, tokens = read(t, plain, "7", 10)
	if len(ids) != 4 || strings.Join(tokens, ",") != "" {
		t.Fatalf("no since: ids %v tokens %q", ids, tokens)
	}
}
