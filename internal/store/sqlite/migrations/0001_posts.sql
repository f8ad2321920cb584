CREATE TABLE posts (
	id          INTEGER PRIMARY KEY,
	url         TEXT NOT NULL UNIQUE,
	slug        TEXT NOT NULL,
	post_type   TEXT NOT NULL,
	item        TEXT NOT NULL,            -- the full mf2 JSON
	published   TEXT NOT NULL,            -- UTC, RFC 3339 with fixed-width nanoseconds, sorts as text
	updated     TEXT NOT NULL DEFAULT '',
	deleted     INTEGER NOT NULL DEFAULT 0,
	status      TEXT NOT NULL,
	visibility  TEXT NOT NULL,
	syndicate_to TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX posts_published ON posts (published DESC, id DESC);
CREATE INDEX posts_type ON posts (post_type, published DESC);

CREATE TABLE tags (
	id      INTEGER PRIMARY KEY,
	norm    TEXT NOT NULL UNIQUE,         -- lower-cased, trimmed: the lookup key
	display TEXT NOT NULL                 -- as first written
);

CREATE TABLE post_tags (
	post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
	tag_id  INTEGER NOT NULL REFERENCES tags (id),
	PRIMARY KEY (post_id, tag_id)
);
CREATE INDEX post_tags_tag ON post_tags (tag_id, post_id);
