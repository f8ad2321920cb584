-- When any post last changed (created, edited, deleted, undeleted, removed) and a counter
-- of those changes: the website's Last-Modified and the generation of its page cache.
-- Kept by triggers, so that reading them is one row and no write path can forget them; a
-- backdated post still counts as a change now.
CREATE TABLE site_changes (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	version INTEGER NOT NULL,
	changed TEXT NOT NULL
);
INSERT INTO site_changes (id, version, changed) VALUES (1, 0, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

CREATE TRIGGER posts_site_insert AFTER INSERT ON posts BEGIN
	UPDATE site_changes SET version = version + 1, changed = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = 1;
END;
CREATE TRIGGER posts_site_update AFTER UPDATE ON posts BEGIN
	UPDATE site_changes SET version = version + 1, changed = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = 1;
END;
CREATE TRIGGER posts_site_delete AFTER DELETE ON posts BEGIN
	UPDATE site_changes SET version = version + 1, changed = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = 1;
END;
