package sqlite

// Some answers the server would read from the database for every request change only
// rarely: whether a token was revoked, what the settings are. The store counts those
// changes in a file beside the database, "<database>-counters", mapped shared into every
// process that opens the store: the same kind of shared memory SQLite's WAL index (the
// -shm file) already relies on, so it works wherever the database does. A change adds one
// to its counter once committed; a reader that remembers an answer compares the counter
// with the value it read before reading the answer, which costs a memory load instead of
// a query. A revocation made by `indiepub token revoke`, in another process, is thus
// refused by the server at its next request (indieauth.CacheOptions.Generation), and
// settings saved are used at the next request (settings.Service.Saves).
//
// A process that dies between a change's commit and its count leaves the others' answers
// stale until they are read again for another reason (a token's TTL,
// server.localTokenTTL; the next save of the settings); the counters' values carry no
// meaning beyond changing, and the file is recreated when missing.

// The counters, by their place in the file.
const (
	countRevocations = iota // token revocations
	countSettings           // saves of the settings
	numCounters
)

// revoked records that tokens were revoked; call it once the revocation is committed.
func (db *DB) revoked() { db.counters.bump(countRevocations) }
