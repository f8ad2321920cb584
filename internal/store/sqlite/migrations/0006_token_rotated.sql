-- A pair whose refresh token was exchanged for a new pair (rotated) is told apart from a
-- pair that was revoked: presenting a rotated refresh token again is a replay, which
-- kills the pair issued in its place (RFC 9700 section 4.14.2); presenting the refresh
-- token of a revoked pair is only refused, as revoked.
ALTER TABLE tokens ADD COLUMN rotated INTEGER NOT NULL DEFAULT 0;
-- Rows revoked before this column existed may have been either. They are taken as
-- rotated, as they were treated until now, so that replay detection still covers them.
UPDATE tokens SET rotated = 1 WHERE revoked = 1 AND refresh_hash <> '';
