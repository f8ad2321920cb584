-- Search (SearchPosts): every post's name, content and tags as a tsvector, a generated
-- column (https://www.postgresql.org/docs/current/textsearch-tables.html §12.2.2), so
-- that PostgreSQL keeps it in step with the post in the transaction of every change and
-- fills it now for the posts there are. Which posts a search may show (deleted, status,
-- visibility) is read from the row at query time. The "simple" configuration: words are
-- lowercased, not stemmed, and no word is a stop word, whatever the post's language.
-- The content is the first content's text, or an object's "value", else its "html" with
-- the tags taken out; the tags are the category strings (person tags are h-cards).
ALTER TABLE posts ADD COLUMN search tsvector GENERATED ALWAYS AS (
	to_tsvector('simple', COALESCE(item::jsonb #>> '{properties,name,0}', '')) ||
	to_tsvector('simple', CASE jsonb_typeof(item::jsonb #> '{properties,content,0}')
		WHEN 'string' THEN item::jsonb #>> '{properties,content,0}'
		WHEN 'object' THEN COALESCE(item::jsonb #>> '{properties,content,0,value}',
			regexp_replace(item::jsonb #>> '{properties,content,0,html}', '<[^>]*>', ' ', 'g'), '')
		ELSE '' END) ||
	to_tsvector('simple', jsonb_path_query_array(item::jsonb, '$.properties.category[*] ? (@.type() == "string")'))
) STORED;
CREATE INDEX posts_search ON posts USING gin (search);
