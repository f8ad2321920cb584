-- The next number for a slug that is taken, per URL: a create whose URL is taken stores
-- its post at slug-N with N from here, in the same transaction, instead of looking for a
-- free number one URL at a time (groupcommit.go). A row appears at the first clash; a URL
-- with no row has never clashed, or clashed before this table existed, and is then
-- numbered after the posts already there.
CREATE TABLE slug_counters (
	url  TEXT PRIMARY KEY,   -- the URL of the slug itself, un-numbered
	next INTEGER NOT NULL    -- the lowest number not yet handed out
) WITHOUT ROWID;
