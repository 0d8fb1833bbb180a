package store

import (
	"errors"
	"fmt"
)

// ErrTooBig is matched (errors.Is) by the error of an atomic write whose
// batch does not fit in one transaction.
var ErrTooBig = errors.New("the batch does not fit in one transaction")

// TooBigError says how many of a batch's entities fit in one transaction,
// so a sender can be told how far to cut its batches.
type TooBigError struct {
	Dataset  string
	Entities int // in the batch
	Fit      int // how many were written before the transaction was full
}

func (e *TooBigError) Error() string {
	return fmt.Sprintf("dataset %q: the batch of %d entities does not fit in one transaction (about %d entities like these do)",
		e.Dataset, e.Entities, e.Limit())
}

// Limit is how many entities like those of the batch fit in one
// transaction, with room to spare for the bookkeeping that commits with
// them and for entities a little larger (at least 1).
func (e *TooBigError) Limit() int { return max(1, min(e.Fit, e.Entities-1)*9/10) }

// Is makes errors.Is(err, ErrTooBig) true.
func (e *TooBigError) Is(target error) bool { return target == ErrTooBig }
