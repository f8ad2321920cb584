-- The latest outcome of the webmention sent from each of the owner's posts (source, by
-- URL, so that the record outlives nothing it should not: a post's URL never changes) to
-- each page it links to or linked to (target). linked says whether the source still
-- linked to the target when it was sent: a target no longer linked has had its last
-- webmention. first orders the targets as they were first sent.
CREATE TABLE webmention_sent (
	source   TEXT NOT NULL,
	target   TEXT NOT NULL,
	endpoint TEXT NOT NULL DEFAULT '',
	status   TEXT NOT NULL,
	code     INTEGER NOT NULL DEFAULT 0,
	detail   TEXT NOT NULL DEFAULT '',
	linked   INTEGER NOT NULL,
	at       TEXT NOT NULL,
	first    INTEGER NOT NULL,
	PRIMARY KEY (source, target)
) WITHOUT ROWID;
