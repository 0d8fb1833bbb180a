package store

import (
	"errors"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// prefixValue keys small named values that components keep beside their
// datasets (a sink's message counter, an endpoint's disabled mark). They
// are not datasets: they have no versions and are never listed.
const prefixValue = 'v'

func valueKey(name string) []byte { return append([]byte{prefixValue}, name...) }

// Value reads a named value; ok is false when it was never set.
func (s *Store) Value(name string) (v []byte, ok bool, err error) {
	err = s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(valueKey(name))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		v, err = item.ValueCopy(nil)
		ok = err == nil
		return err
	})
	return v, ok, err
}

// PutValue sets a named value within the transaction.
func (t *Tx) PutValue(name string, v []byte) error { return t.txn.Set(valueKey(name), v) }

// PutValueFor sets a named value within the transaction that Badger
// forgets by itself after ttl (a message id remembered for replay
// protection).
func (t *Tx) PutValueFor(name string, v []byte, ttl time.Duration) error {
	return t.txn.SetEntry(badger.NewEntry(valueKey(name), v).WithTTL(ttl))
}

// DeleteValue removes a named value within the transaction.
func (t *Tx) DeleteValue(name string) error { return t.txn.Delete(valueKey(name)) }
