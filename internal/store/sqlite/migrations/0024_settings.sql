-- The site's settings from the owner's settings page (internal/settings), one row of
-- JSON. Saving them is a change of the site: the pages kept for visitors show the
-- owner's name, so the counter their cache follows rises, by trigger as for posts.
CREATE TABLE settings (
	id    INTEGER PRIMARY KEY CHECK (id = 1),
	value TEXT NOT NULL
);
CREATE TRIGGER settings_site_insert AFTER INSERT ON settings BEGIN
	UPDATE site_changes SET version = version + 1, changed = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = 1;
END;
CREATE TRIGGER settings_site_update AFTER UPDATE ON settings BEGIN
	UPDATE site_changes SET version = version + 1, changed = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = 1;
END;
