package store

import (
	"encoding/binary"
	"errors"
)

const (
	prefixCatalog = 'c'
	prefixDataset = 'd'
	prefixPipe    = 'p'
	subMeta       = 'M'
	subLatest     = 'L'
	subHistory    = 'H'
	subIndex      = 'I'
	subJoin       = 'J'
	flagDeleted   = 1
)

var keySequence = []byte("s/dataset")

func catalogKey(name string) []byte { return append([]byte{prefixCatalog}, name...) }
func pipeKey(id string) []byte      { return append([]byte{prefixPipe}, id...) }

func datasetPrefix(ds uint32, sub byte) []byte {
	k := make([]byte, 6, 32)
	k[0] = prefixDataset
	binary.BigEndian.PutUint32(k[1:], ds)
	k[5] = sub
	return k
}

func metaKey(ds uint32) []byte { return datasetPrefix(ds, subMeta) }

func versionKey(ds uint32, sub byte, offset uint64) []byte {
	return binary.BigEndian.AppendUint64(datasetPrefix(ds, sub), offset)
}

func indexKey(ds uint32, id string) []byte { return append(datasetPrefix(ds, subIndex), id...) }

// offsetOf reads the offset from an L or H key.
func offsetOf(key []byte) uint64 { return binary.BigEndian.Uint64(key[6:]) }

// indexEntry is the index value of one _id.
type indexEntry struct {
	offset  uint64
	hash    [16]byte
	flags   byte
	seenGen uint64 // the last full run that saw this _id
}

const indexEntrySize = 8 + 16 + 1 + 8

func (e indexEntry) deleted() bool { return e.flags&flagDeleted != 0 }

func (e indexEntry) encode() []byte {
	b := make([]byte, indexEntrySize)
	binary.BigEndian.PutUint64(b, e.offset)
	copy(b[8:], e.hash[:])
	b[24] = e.flags
	binary.BigEndian.PutUint64(b[25:], e.seenGen)
	return b
}

func decodeIndexEntry(b []byte) (indexEntry, error) {
	if len(b) != indexEntrySize {
		return indexEntry{}, errors.New("corrupt index entry")
	}
	var e indexEntry
	e.offset = binary.BigEndian.Uint64(b)
	copy(e.hash[:], b[8:24])
	e.flags = b[24]
	e.seenGen = binary.BigEndian.Uint64(b[25:])
	return e, nil
}
