package store

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/dustin/go-humanize"
)

// ErrDiskFull is matched (errors.Is) by the error of a write refused because
// the disk holding the data folder has less free space than the reserve.
var ErrDiskFull = errors.New("the disk holding the data folder is full")

// DiskFullError says how much space is free and how much is reserved.
type DiskFullError struct {
	Dir           string
	Free, Reserve uint64
}

func (e *DiskFullError) Error() string {
	return fmt.Sprintf("the disk holding the data folder %s has %s free, less than the %s kept in reserve (--min-free): "+
		"writes are refused until space is freed, then resume by themselves",
		e.Dir, humanize.IBytes(e.Free), humanize.IBytes(e.Reserve))
}

// Is makes errors.Is(err, ErrDiskFull) true.
func (e *DiskFullError) Is(target error) bool { return target == ErrDiskFull }

// DefaultMinFree is the free space the command line keeps in reserve on the
// data folder's disk (--min-free). Badger writes through memory-mapped files
// that it sizes first and fills later: a write into a page the disk cannot
// back kills the process with SIGBUS instead of returning an error. The
// reserve covers everything Badger may still write after sluice stops
// accepting writes (see badgerOptions): the active and the next memtable
// logs, the active value-log file, a memtable flush and the compactions in
// flight.
const DefaultMinFree = 256 << 20

// freeSpace reports the bytes available to this process on dir's disk.
func freeSpace(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("free space of %s: %w", dir, err)
	}
	return st.Bavail * uint64(st.Bsize), nil
}

// CheckSpace returns a *DiskFullError when the data folder's disk has less
// free space than the reserve. Every write checks it first, so a full disk
// fails writes with a clear error instead of crashing, and writes resume
// once space is freed. An in-memory store always has room.
func (s *Store) CheckSpace() error {
	if s.dir == "" || s.minFree == 0 {
		return nil
	}
	free, err := s.freeSpace(s.dir)
	if err != nil {
		return err
	}
	if free < s.minFree {
		return &DiskFullError{Dir: s.dir, Free: free, Reserve: s.minFree}
	}
	return nil
}
