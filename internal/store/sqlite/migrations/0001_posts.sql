CREATE TABLE posts (
	id          INTEGER PRIMARY KEY,
	url         TEXT NOT NULL UNIQUE,     -- the unique index is the lookup by URL
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
-- Every listing is newest first, ties broken by id: (published, id) ends each index so a
-- page and its cursor condition (published, id) < (?, ?) are one range scan, no sort.
-- All posts not deleted (Micropub q=source). A listing that includes deleted posts sorts;
-- only the owner asks for one.
CREATE INDEX posts_published ON posts (deleted, published, id);
-- The home page and feeds: deleted = 0, one status, one visibility.
CREATE INDEX posts_listing ON posts (deleted, status, visibility, published, id);
-- Listings of one post type (q=source&post-type=like, /likes/).
CREATE INDEX posts_type ON posts (post_type, deleted, published, id);

CREATE TABLE tags (
	id      INTEGER PRIMARY KEY,
	norm    TEXT NOT NULL UNIQUE,         -- post.NormalizeTag: the lookup key
	display TEXT NOT NULL                 -- as first written
);

CREATE TABLE post_tags (
	post_id   INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
	tag_id    INTEGER NOT NULL REFERENCES tags (id),
	published TEXT NOT NULL DEFAULT '',   -- the post's, so a tag's posts come newest first from the index
	PRIMARY KEY (post_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX post_tags_tag ON post_tags (tag_id, published, post_id);
