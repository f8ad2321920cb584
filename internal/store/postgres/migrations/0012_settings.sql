-- The site's settings from the owner's settings page (internal/settings), one row of
-- JSON. Saving them is a change of the site: the pages kept for visitors, on every
-- instance, show the owner's name, so the counter their caches follow rises, by trigger
-- as for posts.
CREATE TABLE settings (
	id    integer PRIMARY KEY CHECK (id = 1),
	value jsonb NOT NULL
);
CREATE FUNCTION settings_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE site_changes SET version = version + 1, changed = clock_timestamp() WHERE id = 1;
	RETURN NULL;
END $$;
CREATE TRIGGER settings_changed AFTER INSERT OR UPDATE ON settings
	FOR EACH STATEMENT EXECUTE FUNCTION settings_changed();
