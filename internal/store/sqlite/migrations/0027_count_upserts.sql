-- The counts' triggers of 0001_posts.sql ran two statements a row (an INSERT OR IGNORE of
-- a zero row, then an UPDATE of it); every create ran them once for its post and once for
-- each tag. One upsert does the same work in one statement, and the writer (the one serial
-- part of a create) spends less on each post.
DROP TRIGGER posts_count_insert;
CREATE TRIGGER posts_count_insert AFTER INSERT ON posts BEGIN
	INSERT INTO post_counts VALUES (NEW.post_type, NEW.deleted, NEW.status, NEW.visibility, 1)
		ON CONFLICT (post_type, deleted, status, visibility) DO UPDATE SET n = n + 1;
END;
DROP TRIGGER posts_count_update;
CREATE TRIGGER posts_count_update AFTER UPDATE OF post_type, deleted, status, visibility ON posts BEGIN
	UPDATE post_counts SET n = n - 1 WHERE post_type = OLD.post_type AND deleted = OLD.deleted
		AND status = OLD.status AND visibility = OLD.visibility;
	INSERT INTO post_counts VALUES (NEW.post_type, NEW.deleted, NEW.status, NEW.visibility, 1)
		ON CONFLICT (post_type, deleted, status, visibility) DO UPDATE SET n = n + 1;
END;
DROP TRIGGER post_tags_count_insert;
CREATE TRIGGER post_tags_count_insert AFTER INSERT ON post_tags BEGIN
	INSERT INTO tag_counts VALUES (NEW.tag_id, NEW.post_type, NEW.deleted, NEW.status, NEW.visibility, 1)
		ON CONFLICT (tag_id, post_type, deleted, status, visibility) DO UPDATE SET n = n + 1;
END;
