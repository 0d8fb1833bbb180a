// Package store keeps datasets and pipe state in an embedded Badger database.
//
// A dataset is an append-only log of entity versions. Every version gets the
// next offset (0, 1, 2, …) of its dataset. The keys, for dataset number D:
//
//	c<name>           catalog: dataset name → D (4 bytes)
//	d<D>M             the dataset's meta (JSON): next offset, counts, flags
//	d<D>L<offset>     a version that is still the latest for its _id
//	d<D>H<offset>     a version that a later one has replaced (history)
//	d<D>I<_id>        the index: latest offset, content hash, flags, full-run stamp
//	d<D>J<n><key><_id> join index n (see join.go): a value at a property path → _ids
//	p<pipe>           a pipe's state (JSON): last-seen offset and full-run progress
//
// Keeping latest versions under their own prefix makes the common read —
// "latest versions since offset N" — a plain ordered prefix scan; reading
// history merges the L and H ranges by offset. Values start with one flag
// byte (bit 0: deleted) so scans can skip deleted versions without parsing.
//
// Writes to one dataset are serialised by a mutex; a batch of entities and
// the caller's extra work (a pipe's new offset) commit in one transaction.
package store
