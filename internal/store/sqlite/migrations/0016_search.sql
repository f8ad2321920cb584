-- Search (SearchPosts): a full-text index of every post's name, content and tags, in
-- SQLite's FTS5 (https://www.sqlite.org/fts5.html). The index is an external-content
-- table (§4.4.3) over post_search_text, a view of the text each post gives; the
-- triggers below keep it in step with posts, in the transaction of every change. Which
-- posts a search may show (deleted, status, visibility) is read from posts at query
-- time, so a delete, an undelete or a change of visibility needs no change to the index.

-- The text of a post: its first name, its first content (the text, or an object's
-- "value", else its "html" as written), and its tags (the category strings; person tags,
-- which are h-cards, are not words).
CREATE VIEW post_search_text AS SELECT id,
	COALESCE(json_extract(item, '$.properties.name[0]'), '') AS name,
	CASE json_type(item, '$.properties.content[0]')
		WHEN 'text' THEN json_extract(item, '$.properties.content[0]')
		WHEN 'object' THEN COALESCE(json_extract(item, '$.properties.content[0].value'),
			json_extract(item, '$.properties.content[0].html'), '')
		ELSE '' END AS content,
	COALESCE((SELECT group_concat(value, ' ') FROM json_each(item, '$.properties.category')
		WHERE type = 'text'), '') AS tags
	FROM posts;

-- unicode61 with remove_diacritics 2: "café" is found by "cafe", case is ignored.
CREATE VIRTUAL TABLE post_search USING fts5(name, content, tags,
	content = 'post_search_text', content_rowid = 'id',
	tokenize = 'unicode61 remove_diacritics 2');

-- The index's rows for a post, written and taken back with the same expressions as the
-- view's (FTS5's 'delete' needs the values that were indexed).
CREATE TRIGGER posts_search_insert AFTER INSERT ON posts BEGIN
	INSERT INTO post_search (rowid, name, content, tags)
		SELECT id, name, content, tags FROM post_search_text WHERE id = NEW.id;
END;
CREATE TRIGGER posts_search_delete BEFORE DELETE ON posts BEGIN
	INSERT INTO post_search (post_search, rowid, name, content, tags)
		SELECT 'delete', id, name, content, tags FROM post_search_text WHERE id = OLD.id;
END;
CREATE TRIGGER posts_search_update_before BEFORE UPDATE OF item ON posts BEGIN
	INSERT INTO post_search (post_search, rowid, name, content, tags)
		SELECT 'delete', id, name, content, tags FROM post_search_text WHERE id = OLD.id;
END;
CREATE TRIGGER posts_search_update_after AFTER UPDATE OF item ON posts BEGIN
	INSERT INTO post_search (rowid, name, content, tags)
		SELECT id, name, content, tags FROM post_search_text WHERE id = NEW.id;
END;

-- The posts there are already.
INSERT INTO post_search (rowid, name, content, tags) SELECT id, name, content, tags FROM post_search_text;
