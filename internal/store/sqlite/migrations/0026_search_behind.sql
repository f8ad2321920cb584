-- Search, indexed just behind the writes. The triggers of 0016_search.sql and
-- 0025_post_files_search.sql indexed each post in the transaction that stored it, and
-- that cost every create about a third of the writer's time (FTS5 writes a segment, and
-- merges segments, for every group of creates committed). The index is now written by the
-- store itself (searchindex.go): a little after the writes, a few hundred posts per
-- transaction, and at the latest when a search asks, so that a search still finds every
-- post stored before it. The rows are the same: post_search_text's, access included.
--
-- post_search becomes contentless with deletes (https://www.sqlite.org/fts5.html §4.4.3):
-- a post's old row is deleted by its id alone, whenever the index catches up with it.
DROP TRIGGER posts_search_insert;
DROP TRIGGER posts_search_delete;
DROP TRIGGER posts_search_update_before;
DROP TRIGGER posts_search_update_after;
DROP TABLE post_search;
CREATE VIRTUAL TABLE post_search USING fts5(name, content, tags, access,
	content = '', contentless_delete = 1,
	tokenize = 'unicode61 remove_diacritics 2');

-- The posts with an ID up to search_indexed.id are in the index (IDs only grow: posts are
-- never deleted from the table, only marked deleted), as they were when indexed.
CREATE TABLE search_indexed (id INTEGER NOT NULL);
-- The posts changed since they were indexed (their text, or who may see them): their rows
-- are replaced when the index catches up. One row per post, however many changes.
CREATE TABLE search_backlog (post_id INTEGER PRIMARY KEY);
CREATE TRIGGER posts_search_changed AFTER UPDATE OF item, deleted, status, visibility ON posts BEGIN
	INSERT OR IGNORE INTO search_backlog (post_id) VALUES (NEW.id);
END;
CREATE TRIGGER posts_search_deleted AFTER DELETE ON posts BEGIN
	INSERT OR IGNORE INTO search_backlog (post_id) VALUES (OLD.id);
END;

INSERT INTO post_search (rowid, name, content, tags, access)
	SELECT id, name, content, tags, access FROM post_search_text;
INSERT INTO search_indexed (id) SELECT coalesce(max(id), 0) FROM posts;
