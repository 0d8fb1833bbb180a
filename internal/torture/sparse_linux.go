package torture

import (
	"errors"
	"io"
	"os"
	"syscall"
)

// Linux's lseek whence values for sparse files.
const (
	seekData = 3
	seekHole = 4
)

// copyData copies only the data regions of in to out and gives out in's
// size: Badger's value log and memtable files are mostly holes (2 GiB and
// 256 MiB of them), which a plain copy would write out in full.
func copyData(in, out *os.File) error {
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	for off := int64(0); off < size; {
		data, err := in.Seek(off, seekData)
		if errors.Is(err, syscall.ENXIO) {
			break // only a hole is left
		}
		if err != nil {
			return plainCopy(in, out)
		}
		hole, err := in.Seek(data, seekHole)
		if err != nil {
			return plainCopy(in, out)
		}
		if _, err := io.Copy(io.NewOffsetWriter(out, data), io.NewSectionReader(in, data, hole-data)); err != nil {
			return err
		}
		off = hole
	}
	return out.Truncate(size)
}
