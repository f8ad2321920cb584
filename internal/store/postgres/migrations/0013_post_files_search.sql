-- The files each post uses (PostsReferencing: the media library's "used by" and the
-- in-use check of a file's deletion), so that asking about a file is one indexed lookup
-- instead of a read of every post's JSON. The rows are the URLs post.FileURLs finds in a
-- post's item under the site's media URLs (Options.MediaURLs), written by the store in Go
-- in the transaction of every create and update; a post that uses no file has none, and
-- its create queues no statement here. A deleted post keeps its rows: PostsReferencing
-- leaves deleted posts out at query time, so a delete or an undelete changes nothing here.
CREATE TABLE post_files (
	url     text NOT NULL,
	post_id bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
	PRIMARY KEY (url, post_id)
);
CREATE INDEX post_files_post ON post_files (post_id);

-- What the rows were found with (post.FileFinder.State: the rules and the media URLs).
-- Open compares it with its own and, when they differ (this migration's empty state the
-- first time, a new --media-url later), finds the files of every stored post again.
CREATE TABLE post_files_state (
	id       int PRIMARY KEY CHECK (id = 1),
	prefixes text NOT NULL
);
INSERT INTO post_files_state (id, prefixes) VALUES (1, '');

-- Search (SearchPosts) with who may see each post inside the index: the generated column
-- of migrations/0006_search.sql made again, the post's words at weight A and, at weight
-- D, a word for each way a post is hidden from visitors: "xdeleted", "xs<status>" for a
-- status other than published, "xv<visibility>" for a visibility other than public. A
-- visitor's search asks for its words at weight A and NOT any of those; the GIN index
-- holds every word whatever its weight, so the scan leaves out the hidden posts from
-- their posting lists and a word held only by drafts finds no row to read (weights are
-- checked on the rows the index gives,
-- https://www.postgresql.org/docs/current/textsearch-controls.html §12.3.2).
ALTER TABLE posts DROP COLUMN search;
ALTER TABLE posts ADD COLUMN search tsvector GENERATED ALWAYS AS (
	setweight(to_tsvector('simple', COALESCE(item::jsonb #>> '{properties,name,0}', '')) ||
	to_tsvector('simple', CASE jsonb_typeof(item::jsonb #> '{properties,content,0}')
		WHEN 'string' THEN item::jsonb #>> '{properties,content,0}'
		WHEN 'object' THEN COALESCE(item::jsonb #>> '{properties,content,0,value}',
			regexp_replace(item::jsonb #>> '{properties,content,0,html}', '<[^>]*>', ' ', 'g'), '')
		ELSE '' END) ||
	to_tsvector('simple', jsonb_path_query_array(item::jsonb, '$.properties.category[*] ? (@.type() == "string")')), 'A') ||
	setweight(to_tsvector('simple', CASE WHEN deleted THEN 'xdeleted ' ELSE '' END ||
		CASE WHEN status <> 'published' THEN 'xs' || status || ' ' ELSE '' END ||
		CASE WHEN visibility <> 'public' THEN 'xv' || visibility ELSE '' END), 'D')
) STORED;
CREATE INDEX posts_search ON posts USING gin (search);
