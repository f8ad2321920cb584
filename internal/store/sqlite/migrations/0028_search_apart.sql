-- The search index moves to a database file of its own, beside this one (searchdb.go).
-- Indexing a batch of posts held the one write lock of this file for about a millisecond
-- (30 ms when FTS5 merged its segments), and every create waited behind it; in its own
-- file it is written beside the creates, never in their way. It is built again there,
-- from the posts, by the indexer.
--
-- A change to a post is still noted here, in the transaction that makes it, but no longer
-- deleted once indexed (that was a write to this file): each change to a post gives its
-- row the next seq, and the index records the last seq it has taken. The file keeps the
-- old index's pages as free pages until a VACUUM.
DROP TRIGGER posts_search_changed;
DROP TRIGGER posts_search_deleted;
DROP TABLE search_backlog;
DROP TABLE search_indexed;
DROP TABLE post_search;

CREATE TABLE search_backlog (post_id INTEGER PRIMARY KEY, seq INTEGER NOT NULL);
CREATE INDEX search_backlog_seq ON search_backlog (seq);
CREATE TRIGGER posts_search_changed AFTER UPDATE OF item, deleted, status, visibility ON posts BEGIN
	INSERT INTO search_backlog (post_id, seq)
		VALUES (NEW.id, (SELECT coalesce(max(seq), 0) + 1 FROM search_backlog))
		ON CONFLICT (post_id) DO UPDATE SET seq = excluded.seq;
END;
CREATE TRIGGER posts_search_deleted AFTER DELETE ON posts BEGIN
	INSERT INTO search_backlog (post_id, seq)
		VALUES (OLD.id, (SELECT coalesce(max(seq), 0) + 1 FROM search_backlog))
		ON CONFLICT (post_id) DO UPDATE SET seq = excluded.seq;
END;
