-- The files each post uses (PostsReferencing: the media library's "used by" and the
-- in-use check of a file's deletion), so that asking about a file is one indexed lookup
-- instead of a read of every post's JSON. The rows are the URLs post.FileURLs finds in a
-- post's item under the site's media URLs (Options.MediaURLs), written by the store in Go
-- in the transaction of every create and update; a post that uses no file has none, and
-- its create runs no statement here. A deleted post keeps its rows: PostsReferencing
-- leaves deleted posts out at query time, so a delete or an undelete changes nothing here.
CREATE TABLE post_files (
	url     TEXT NOT NULL,
	post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
	PRIMARY KEY (url, post_id)
) WITHOUT ROWID;
CREATE INDEX post_files_post ON post_files (post_id);

-- What the rows were found with (post.FileFinder.State: the rules and the media URLs).
-- Open compares it with its own and, when they differ (this migration's empty state the
-- first time, a new --media-url later), finds the files of every stored post again.
CREATE TABLE post_files_state (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	prefixes TEXT NOT NULL
);
INSERT INTO post_files_state (id, prefixes) VALUES (1, '');

-- Search (SearchPosts) with who may see each post inside the index: the full-text table
-- of migrations/0016_search.sql gains a column, access, with a word for each way a post
-- is hidden from visitors: "xdeleted", "xs<status>" for a status other than published,
-- "xv<visibility>" for a visibility other than public; a published, public post has
-- none. A visitor's search is its words NOT any of those (§3.7), so that a word held only
-- by drafts costs the reading of two doclists, not of every draft's row, and a common
-- word's search stops at the first page as before (words every visible post had, ANDed
-- with common words, made FTS5 walk their long doclists). The triggers now also follow
-- the columns access is made of. The table is built again for the posts there are.
DROP TRIGGER posts_search_insert;
DROP TRIGGER posts_search_delete;
DROP TRIGGER posts_search_update_before;
DROP TRIGGER posts_search_update_after;
DROP TABLE post_search;
DROP VIEW post_search_text;

CREATE VIEW post_search_text AS SELECT id,
	COALESCE(json_extract(item, '$.properties.name[0]'), '') AS name,
	CASE json_type(item, '$.properties.content[0]')
		WHEN 'text' THEN json_extract(item, '$.properties.content[0]')
		WHEN 'object' THEN COALESCE(json_extract(item, '$.properties.content[0].value'),
			json_extract(item, '$.properties.content[0].html'), '')
		ELSE '' END AS content,
	COALESCE((SELECT group_concat(value, ' ') FROM json_each(item, '$.properties.category')
		WHERE type = 'text'), '') AS tags,
	CASE WHEN deleted THEN 'xdeleted ' ELSE '' END ||
		CASE WHEN status <> 'published' THEN 'xs' || status || ' ' ELSE '' END ||
		CASE WHEN visibility <> 'public' THEN 'xv' || visibility ELSE '' END AS access
	FROM posts;

CREATE VIRTUAL TABLE post_search USING fts5(name, content, tags, access,
	content = 'post_search_text', content_rowid = 'id',
	tokenize = 'unicode61 remove_diacritics 2');

CREATE TRIGGER posts_search_insert AFTER INSERT ON posts BEGIN
	INSERT INTO post_search (rowid, name, content, tags, access)
		SELECT id, name, content, tags, access FROM post_search_text WHERE id = NEW.id;
END;
CREATE TRIGGER posts_search_delete BEFORE DELETE ON posts BEGIN
	INSERT INTO post_search (post_search, rowid, name, content, tags, access)
		SELECT 'delete', id, name, content, tags, access FROM post_search_text WHERE id = OLD.id;
END;
CREATE TRIGGER posts_search_update_before BEFORE UPDATE OF item, deleted, status, visibility ON posts BEGIN
	INSERT INTO post_search (post_search, rowid, name, content, tags, access)
		SELECT 'delete', id, name, content, tags, access FROM post_search_text WHERE id = OLD.id;
END;
CREATE TRIGGER posts_search_update_after AFTER UPDATE OF item, deleted, status, visibility ON posts BEGIN
	INSERT INTO post_search (rowid, name, content, tags, access)
		SELECT id, name, content, tags, access FROM post_search_text WHERE id = NEW.id;
END;

INSERT INTO post_search (rowid, name, content, tags, access)
	SELECT id, name, content, tags, access FROM post_search_text;
