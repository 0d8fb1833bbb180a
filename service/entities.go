package service

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// A page of GET /api/datasets/{id}/entities. Sesam answers every entity
// when no limit is given; a big dataset then takes the memory of the
// service and of its client, so sluice answers a page by default.
const (
	defaultEntityLimit = 1_000
	maxEntityLimit     = 100_000
)

// entityLimit reads the limit parameter: the default when it is absent,
// an error naming the range otherwise.
func entityLimit(v string) (int, error) {
	if v == "" {
		return defaultEntityLimit, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxEntityLimit {
		return 0, fmt.Errorf("limit must be a number from 1 to %d (the maximum), not %q; page with since= the last entity's _updated", maxEntityLimit, v)
	}
	return n, nil
}

// How often a stream of entities is pushed to the client, and how long
// the client gets to take each push.
const (
	flushEvery    = 256
	writeDeadline = 30 * time.Second
)

// entityStream writes entities as one JSON array as they are scanned,
// flushing every few hundred so neither side holds the whole answer, and
// giving each flush a fresh write deadline so a long answer to a client
// that keeps reading is not cut by the server's write timeout.
type entityStream struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	n       int
	started bool
}

func newEntityStream(w http.ResponseWriter) *entityStream {
	w.Header().Set("Content-Type", "application/json")
	// Until the first flush, the server's own write timeout holds.
	return &entityStream{w: w, rc: http.NewResponseController(w)}
}

// add writes one entity.
func (s *entityStream) add(e []byte) error {
	sep := ",\n"
	if !s.started {
		sep, s.started = "[", true
	}
	if _, err := s.w.Write([]byte(sep)); err != nil {
		return err
	}
	if _, err := s.w.Write(e); err != nil {
		return err
	}
	if s.n++; s.n%flushEvery == 0 {
		return s.flush()
	}
	return nil
}

// end closes the array.
func (s *entityStream) end() error {
	closing := "]\n"
	if !s.started {
		closing = "[]\n"
	}
	if _, err := s.w.Write([]byte(closing)); err != nil {
		return err
	}
	return s.flush()
}

func (s *entityStream) flush() error {
	if err := s.rc.SetWriteDeadline(time.Now().Add(writeDeadline)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	if err := s.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}
