CREATE TABLE tokens (
	id          INTEGER PRIMARY KEY,
	hash        TEXT NOT NULL UNIQUE,     -- hex SHA-256 of the token; the raw token is never stored
	me          TEXT NOT NULL,
	client_id   TEXT NOT NULL DEFAULT '',
	client_name TEXT NOT NULL DEFAULT '',
	scope       TEXT NOT NULL DEFAULT '',
	issued      TEXT NOT NULL,
	expires     TEXT NOT NULL DEFAULT '',
	last_used   TEXT NOT NULL DEFAULT '',
	revoked     INTEGER NOT NULL DEFAULT 0
);
