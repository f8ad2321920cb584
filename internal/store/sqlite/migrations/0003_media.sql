CREATE TABLE media (
	id        INTEGER PRIMARY KEY,
	url       TEXT NOT NULL UNIQUE,
	path      TEXT NOT NULL UNIQUE,       -- ab/cd/<sha256><ext> inside the media folder
	hash      TEXT NOT NULL,              -- hex SHA-256 of the content
	type      TEXT NOT NULL,              -- media type sniffed from the content
	size      INTEGER NOT NULL,
	published TEXT NOT NULL               -- UTC, fixed-width, sorts as text; the latest upload
);
CREATE INDEX media_published ON media (published DESC, id DESC);
