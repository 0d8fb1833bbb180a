package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/dgraph-io/badger/v4"
)

// Info describes a dataset.
type Info struct {
	Name string `json:"_id"`
	// Versions is the number of versions ever written, which is also the
	// offset the next version gets.
	Versions uint64 `json:"versions"`
	// Entities counts distinct _ids (their latest versions), deleted or not.
	Entities int64 `json:"entities"`
	// Deleted counts the _ids whose latest version is deleted.
	Deleted   int64 `json:"deleted"`
	Populated bool  `json:"populated"`
	// First is the oldest offset still stored: versions below it were
	// trimmed away (see Trim).
	First uint64 `json:"first_offset,omitempty"`
	// FullGen counts the full runs into the dataset; see BeginFullRun.
	FullGen uint64 `json:"full_runs"`
	Created int64  `json:"created_ts"`
	Updated int64  `json:"updated_ts"`
	// JoinIndexes are the property paths indexed for hops (see join.go);
	// an index's number is its position here.
	JoinIndexes [][]string `json:"join_indexes,omitempty"`
	// Completeness is the time (microseconds, as _ts) up to which the
	// pipes feeding the dataset have completed; 0 when none has. Readers
	// with completeness filtering pass on only entities not newer than it.
	Completeness int64 `json:"completeness,omitempty"`
	// Upstream is the completeness of each dataset upstream of this one as
	// the run that set Completeness saw it (DTL's completeness function).
	Upstream map[string]int64 `json:"upstream_completeness,omitempty"`
}

// LastOffset is the offset of the newest version, or -1 when empty.
func (i Info) LastOffset() int64 { return int64(i.Versions) - 1 }

// dataset is the in-memory handle of one dataset. Its meta is the
// authoritative copy (Badger's lock means only this process writes); mu
// serialises writers.
type dataset struct {
	num  uint32
	mu   sync.Mutex
	meta Info
}

type storedMeta struct {
	Num uint32 `json:"num"`
	Info
}

func (s *Store) loadCatalog() error {
	return s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{prefixCatalog}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			name := string(it.Item().Key()[1:])
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			num := binary.BigEndian.Uint32(v)
			item, err := txn.Get(metaKey(num))
			if err != nil {
				return fmt.Errorf("dataset %q: meta: %w", name, err)
			}
			var m storedMeta
			if err := item.Value(func(b []byte) error { return json.Unmarshal(b, &m) }); err != nil {
				return fmt.Errorf("dataset %q: meta: %w", name, err)
			}
			s.datasets[name] = &dataset{num: num, meta: m.Info}
		}
		return nil
	})
}

// lookup returns the dataset's handle, creating the dataset when create is set.
func (s *Store) lookup(name string, create bool) (*dataset, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.datasets[name]; ok {
		return d, nil
	}
	if !create {
		return nil, fmt.Errorf("dataset %q: %w", name, ErrNotFound)
	}
	if err := CheckName(name); err != nil {
		return nil, err
	}
	if err := s.CheckSpace(); err != nil {
		return nil, err
	}
	d := &dataset{meta: Info{Name: name, Created: nowMicro(), Updated: nowMicro()}}
	err := s.db.Update(func(txn *badger.Txn) error {
		var seq uint32
		item, err := txn.Get(keySequence)
		switch {
		case err == nil:
			if err := item.Value(func(b []byte) error { seq = binary.BigEndian.Uint32(b); return nil }); err != nil {
				return err
			}
		case !errors.Is(err, badger.ErrKeyNotFound):
			return err
		}
		seq++
		d.num = seq
		if err := txn.Set(keySequence, binary.BigEndian.AppendUint32(nil, seq)); err != nil {
			return err
		}
		if err := txn.Set(catalogKey(name), binary.BigEndian.AppendUint32(nil, seq)); err != nil {
			return err
		}
		return putMeta(txn, d.num, d.meta)
	})
	if err != nil {
		return nil, fmt.Errorf("create dataset %q: %w", name, err)
	}
	s.datasets[name] = d
	return d, nil
}

// CheckName says whether a dataset may be called name: it must not be empty
// and must not contain "/", which Sesam forbids (it would clash with URLs).
func CheckName(name string) error {
	switch {
	case name == "":
		return errors.New("dataset name is empty")
	case strings.Contains(name, "/"):
		return fmt.Errorf("dataset name %q contains \"/\", which is not allowed", name)
	}
	return nil
}

func putMeta(txn *badger.Txn, num uint32, m Info) error {
	b, err := json.Marshal(storedMeta{Num: num, Info: m})
	if err != nil {
		return err
	}
	return txn.Set(metaKey(num), b)
}

// Datasets lists every dataset, sorted by name.
func (s *Store) Datasets() []Info {
	s.mu.Lock()
	ds := make([]*dataset, 0, len(s.datasets))
	for _, d := range s.datasets {
		ds = append(ds, d)
	}
	s.mu.Unlock()
	out := make([]Info, 0, len(ds))
	for _, d := range ds {
		d.mu.Lock()
		out = append(out, d.meta)
		d.mu.Unlock()
	}
	slices.SortFunc(out, func(a, b Info) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Dataset describes one dataset; ok is false when it does not exist.
func (s *Store) Dataset(name string) (info Info, ok bool) {
	d, err := s.lookup(name, false)
	if err != nil {
		return Info{}, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.meta, true
}

// SetPopulated marks a dataset populated, creating it if needed. Downstream
// pipes and run_at_startup_if_not_populated look at this flag.
func (s *Store) SetPopulated(name string) error {
	return s.updateMeta(name, func(m *Info) { m.Populated = true })
}

// SetCompleteness records the dataset's completeness timestamp
// (microseconds), creating the dataset if needed. It commits with the
// dataset's meta in one transaction, so a crash keeps the old value or the
// new one.
func (s *Store) SetCompleteness(name string, ts int64, upstream map[string]int64) error {
	return s.updateMeta(name, func(m *Info) { m.Completeness, m.Upstream = ts, upstream })
}

// CompletenessVia is dataset's completeness as via recorded it (its own
// when they are the same); ok is false when via has no such record.
func (s *Store) CompletenessVia(via, dataset string) (ts int64, ok bool) {
	info, found := s.Dataset(via)
	if !found {
		return 0, false
	}
	if via == dataset {
		return info.Completeness, info.Completeness != 0
	}
	ts, ok = info.Upstream[dataset]
	return ts, ok
}

// Completeness is the dataset's completeness timestamp; 0 when it has none
// or does not exist.
func (s *Store) Completeness(name string) int64 {
	info, ok := s.Dataset(name)
	if !ok {
		return 0
	}
	return info.Completeness
}

// BeginFullRun starts a new full run into the dataset and returns its
// number. Writes stamped with that number count as seen by the run; see
// DeleteUnseen.
func (s *Store) BeginFullRun(name string) (uint64, error) {
	var gen uint64
	err := s.updateMeta(name, func(m *Info) { m.FullGen++; gen = m.FullGen })
	return gen, err
}

func (s *Store) updateMeta(name string, change func(*Info)) error {
	if err := s.CheckSpace(); err != nil {
		return err
	}
	d, err := s.lookup(name, true)
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	m := d.meta
	change(&m)
	m.Updated = nowMicro()
	if err := s.db.Update(func(txn *badger.Txn) error { return putMeta(txn, d.num, m) }); err != nil {
		return fmt.Errorf("dataset %q: %w", name, err)
	}
	d.meta = m
	return nil
}
