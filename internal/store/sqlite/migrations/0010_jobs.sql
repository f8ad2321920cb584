-- The durable job queue (internal/jobs). A job is claimed by moving it to 'running' with
-- a lease (lease_until); a worker that dies leaves it running, and it is claimed again
-- once the lease has passed. (kind, key) is unique: enqueueing it again adds nothing, so a
-- fan-out repeated after a crash does not double its jobs.
CREATE TABLE jobs (
	id          INTEGER PRIMARY KEY,
	kind        TEXT NOT NULL,
	key         TEXT NOT NULL,
	payload     BLOB NOT NULL DEFAULT '',
	state       TEXT NOT NULL DEFAULT 'pending',  -- pending, running, done, failed
	attempts    INTEGER NOT NULL DEFAULT 0,
	run_at      TEXT NOT NULL,                    -- pending: the earliest next attempt
	lease_until TEXT NOT NULL DEFAULT '',         -- running: when the claim lapses
	last_error  TEXT NOT NULL DEFAULT '',
	result      TEXT NOT NULL DEFAULT '',
	created     TEXT NOT NULL,
	updated     TEXT NOT NULL,
	UNIQUE (kind, key)
);
-- The claim reads due jobs in order of their time: pending ones by run_at, running ones
-- by the end of their lease.
CREATE INDEX jobs_due ON jobs (state, run_at);
CREATE INDEX jobs_leases ON jobs (state, lease_until);
