package bluesky

import (
	"crypto/sha256"
	"encoding/binary"
	"time"
)

// recordKey is the key of the record a job makes: a TID (https://atproto.com/specs/tid:
// 53 bits of microseconds since 1970, 10 bits of clock ID, in base32-sortable) within
// the second the post was published, whose microseconds and clock ID come from the job's
// key. XRPC has no idempotency key; writing the record with putRecord at this key, which
// creates or replaces, makes a job repeated after a crash write the same record again
// instead of a second copy. (createRecord at a key that is taken fails on the reference
// PDS with a server error, which would be retried for ever.)
func recordKey(published time.Time, key string) string {
	sum := sha256.Sum256([]byte(key))
	n := binary.BigEndian.Uint64(sum[:8])
	micros := max(published.Unix(), 0)*1_000_000 + int64(n%1_000_000)
	v := uint64(micros)<<10 | (n/1_000_000)&1023
	const alphabet = "234567abcdefghijklmnopqrstuvwxyz"
	out := make([]byte, 13)
	for i := 12; i >= 0; i-- {
		out[i] = alphabet[v&31]
		v >>= 5
	}
	return string(out)
}
