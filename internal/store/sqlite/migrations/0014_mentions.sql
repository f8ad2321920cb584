-- Webmentions received (W3C Webmention §3.2): one row per source and target; the same
-- source sent again updates its row. key is the random name of the row's status URL.
-- status: pending, verified, rejected, deleted. approved: shown on the site once verified.
CREATE TABLE mentions (
	id           INTEGER PRIMARY KEY,
	key          TEXT NOT NULL UNIQUE,
	source       TEXT NOT NULL,
	target       TEXT NOT NULL,
	status       TEXT NOT NULL,
	reason       TEXT NOT NULL DEFAULT '',
	approved     INTEGER NOT NULL DEFAULT 0,
	type         TEXT NOT NULL DEFAULT '',
	rsvp         TEXT NOT NULL DEFAULT '',
	author_name  TEXT NOT NULL DEFAULT '',
	author_photo TEXT NOT NULL DEFAULT '',
	author_url   TEXT NOT NULL DEFAULT '',
	url          TEXT NOT NULL DEFAULT '',
	published    TEXT NOT NULL DEFAULT '',
	content      TEXT NOT NULL DEFAULT '',
	created      TEXT NOT NULL,
	updated      TEXT NOT NULL,
	UNIQUE (source, target)
);
CREATE INDEX mentions_target ON mentions (target, created);

-- The owner's standing for a source's host: known (approved before) or blocked.
CREATE TABLE mention_domains (
	domain   TEXT PRIMARY KEY,
	standing TEXT NOT NULL
) WITHOUT ROWID;

-- A webmention received, verified, approved or deleted changes the pages that show it:
-- it counts as a change of the site (0005_site.sql), so that cached pages render again.
CREATE TRIGGER mentions_site_insert AFTER INSERT ON mentions BEGIN
	UPDATE site_changes SET version = version + 1, changed = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = 1;
END;
CREATE TRIGGER mentions_site_update AFTER UPDATE ON mentions BEGIN
	UPDATE site_changes SET version = version + 1, changed = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = 1;
END;
CREATE TRIGGER mentions_site_delete AFTER DELETE ON mentions BEGIN
	UPDATE site_changes SET version = version + 1, changed = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = 1;
END;
