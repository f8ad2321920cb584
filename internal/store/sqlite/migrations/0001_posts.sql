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

-- How many posts there are of each kind, kept by triggers: CountPosts reads a few rows
-- instead of counting an index range (25 ms for the home page at 100,000 posts).
CREATE TABLE post_counts (
	post_type  TEXT NOT NULL,
	deleted    INTEGER NOT NULL,
	status     TEXT NOT NULL,
	visibility TEXT NOT NULL,
	n          INTEGER NOT NULL,
	PRIMARY KEY (post_type, deleted, status, visibility)
) WITHOUT ROWID;

CREATE TRIGGER posts_count_insert AFTER INSERT ON posts BEGIN
	INSERT OR IGNORE INTO post_counts VALUES (NEW.post_type, NEW.deleted, NEW.status, NEW.visibility, 0);
	UPDATE post_counts SET n = n + 1 WHERE post_type = NEW.post_type AND deleted = NEW.deleted
		AND status = NEW.status AND visibility = NEW.visibility;
END;
CREATE TRIGGER posts_count_delete AFTER DELETE ON posts BEGIN
	UPDATE post_counts SET n = n - 1 WHERE post_type = OLD.post_type AND deleted = OLD.deleted
		AND status = OLD.status AND visibility = OLD.visibility;
END;
CREATE TRIGGER posts_count_update AFTER UPDATE OF post_type, deleted, status, visibility ON posts BEGIN
	UPDATE post_counts SET n = n - 1 WHERE post_type = OLD.post_type AND deleted = OLD.deleted
		AND status = OLD.status AND visibility = OLD.visibility;
	INSERT OR IGNORE INTO post_counts VALUES (NEW.post_type, NEW.deleted, NEW.status, NEW.visibility, 0);
	UPDATE post_counts SET n = n + 1 WHERE post_type = NEW.post_type AND deleted = NEW.deleted
		AND status = NEW.status AND visibility = NEW.visibility;
END;

CREATE TABLE tags (
	id      INTEGER PRIMARY KEY,
	norm    TEXT NOT NULL UNIQUE,         -- post.NormalizeTag: the lookup key
	display TEXT NOT NULL                 -- as first written
);

-- A post's tags. The post's listing fields are copied in (UpdatePost rewrites a post's
-- rows), so a tag's page is read in published order from post_tags_tag and the counts
-- below can be kept by triggers.
CREATE TABLE post_tags (
	post_id    INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
	tag_id     INTEGER NOT NULL REFERENCES tags (id),
	published  TEXT NOT NULL DEFAULT '',
	post_type  TEXT NOT NULL DEFAULT '',
	deleted    INTEGER NOT NULL DEFAULT 0,
	status     TEXT NOT NULL DEFAULT '',
	visibility TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (post_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX post_tags_tag ON post_tags (tag_id, published, post_id);

-- How many posts carry each tag, per kind of post, so a tag list with counts (the site's
-- tag page) reads a few hundred rows instead of joining every post.
CREATE TABLE tag_counts (
	tag_id     INTEGER NOT NULL,
	post_type  TEXT NOT NULL,
	deleted    INTEGER NOT NULL,
	status     TEXT NOT NULL,
	visibility TEXT NOT NULL,
	n          INTEGER NOT NULL,
	PRIMARY KEY (tag_id, post_type, deleted, status, visibility)
) WITHOUT ROWID;

CREATE TRIGGER post_tags_count_insert AFTER INSERT ON post_tags BEGIN
	INSERT OR IGNORE INTO tag_counts VALUES (NEW.tag_id, NEW.post_type, NEW.deleted, NEW.status, NEW.visibility, 0);
	UPDATE tag_counts SET n = n + 1 WHERE tag_id = NEW.tag_id AND post_type = NEW.post_type
		AND deleted = NEW.deleted AND status = NEW.status AND visibility = NEW.visibility;
END;
CREATE TRIGGER post_tags_count_delete AFTER DELETE ON post_tags BEGIN
	UPDATE tag_counts SET n = n - 1 WHERE tag_id = OLD.tag_id AND post_type = OLD.post_type
		AND deleted = OLD.deleted AND status = OLD.status AND visibility = OLD.visibility;
END;
