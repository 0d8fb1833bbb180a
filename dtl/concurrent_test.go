package dtl

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

// TestProgramConcurrent runs one compiled program from several goroutines
// at once (as a pipe's transform may be) and checks that every result is
// what a lone run gives. Run with -race to check for data races too.
func TestProgramConcurrent(t *testing.T) {
	p, err := Compile(mustNode(t, "rules", `{"default": [
		["copy", "*"],
		["add", "k", ["sorted", ["keys", "_S."]]],
		["add", "n", ["+", "_S.amount", 1]],
		["add", "sub", ["apply", "sub", "_S.phones"]],
		["create", ["list", ["dict", "_id", ["concat", "c-", "_S._id"]]]]],
		"sub": [["add", "t", ["upper", "_S.type"]], ["add", "parent", "_P._S._id"]]}`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	want := make([]string, 200)
	for i := range want {
		src, err := DecodeEntity(BenchEntity(i))
		if err != nil {
			t.Fatal(err)
		}
		res, err := p.Run(ctx, src)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = string(EncodeJSON(toList(res.Entities())))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for round := 0; round < 5; round++ {
				for i := range want {
					j := (i + g*31) % len(want)
					res, err := p.RunJSON(ctx, BenchEntity(j))
					if err != nil {
						errs <- err
						return
					}
					got := string(EncodeJSON(toList(res.Entities())))
					res.Release()
					if got != want[j] {
						errs <- fmt.Errorf("goroutine %d, entity %d:\n got %s\nwant %s", g, j, got, want[j])
						return
					}
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
