package sqlite

// The token generation lets the server remember verified tokens (indieauth.Cache with
// CacheOptions.Generation) and still refuse a revoked token at the next request, even
// when the revocation comes from another process on the same data directory, such as
// `indiepub token revoke`. It is a counter in a file beside the database,
// "<database>-revocations", mapped shared into every process that opens the store: the
// same kind of shared memory SQLite's WAL index (the -shm file) already relies on, so it
// works wherever the database does. Each revocation adds one after its commit; a reader
// compares the counter with the value it saw before verifying the token, which costs a
// memory load instead of a query.
//
// A process that dies between a revocation's commit and the increment leaves the other
// processes' answers stale until their TTL (server.localTokenTTL) ends; the counter's
// value carries no meaning beyond changing.

// revoked records that tokens were revoked; call it once the revocation is committed.
func (db *DB) revoked() { db.revocations.bump() }
