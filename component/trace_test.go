package component

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

// A trace keeps the first limit entries, in order, and counts the others,
// also when entries arrive from several goroutines.
func TestTraceIsBounded(t *testing.T) {
	tr := NewTrace(3, nil)
	for i := range 5 {
		tr.Add(func() TraceEntry { return TraceEntry{URL: fmt.Sprint(i)} })
	}
	entries, omitted := tr.Entries()
	if len(entries) != 3 || omitted != 2 || entries[0].URL != "0" || entries[2].URL != "2" {
		t.Fatalf("entries %v, omitted %d", entries, omitted)
	}

	tr = NewTrace(10, nil)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() { tr.Add(func() TraceEntry { return TraceEntry{} }) })
	}
	wg.Wait()
	if entries, omitted := tr.Entries(); len(entries) != 10 || omitted != 40 {
		t.Fatalf("parallel: %d entries, %d omitted", len(entries), omitted)
	}
}

func TestTraceContext(t *testing.T) {
	if TraceOf(context.Background()) != nil {
		t.Fatal("a plain context carries a trace")
	}
	tr := NewTrace(1, func(s string, n int) string { return fmt.Sprintf("%s/%d", s, n) })
	if TraceOf(WithTrace(context.Background(), tr)) != tr {
		t.Fatal("the trace is not carried")
	}
	if got := tr.Redact("x", 5); got != "x/5" {
		t.Errorf("Redact = %q", got)
	}
	if e, o := (*Trace)(nil).Entries(); e != nil || o != 0 {
		t.Error("a nil trace has entries")
	}
}
