package cli

import (
	"fmt"
	"strings"

	"github.com/dustin/go-humanize"
)

// byteSize is a flag holding a number of bytes, written as "256MiB",
// "1GB", "64k" or a plain number.
type byteSize struct{ n int64 }

func (b *byteSize) Set(s string) error {
	n, err := humanize.ParseBytes(strings.TrimSpace(s))
	if err != nil || n > 1<<62 {
		return fmt.Errorf("%q is not a size (write it like 256MiB, 1GB or 1048576)", s)
	}
	b.n = int64(n)
	return nil
}

func (b *byteSize) String() string { return humanize.IBytes(uint64(b.n)) }

func (b *byteSize) Type() string { return "size" }
