-- Sign-in attempts that still count against the limits (owner.SignInLimit), shared by
-- every instance on this database. addr is the client address (an IPv6 /64); it is NULL
-- once a right password from that address cleared its earlier failures, which then count
-- only overall. Rows older than the window are deleted as attempts arrive.
CREATE TABLE signin_attempts (
	id   INTEGER PRIMARY KEY,
	addr TEXT,
	at   TEXT NOT NULL
);
CREATE INDEX signin_attempts_addr ON signin_attempts (addr, at);
CREATE INDEX signin_attempts_at ON signin_attempts (at);
