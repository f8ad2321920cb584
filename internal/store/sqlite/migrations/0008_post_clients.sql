-- Which app (IndieAuth client_id) created a post through Micropub, so that a token whose
-- only write scope is draft can read back the drafts its own app wrote and nothing else.
-- Posts created before this table, or outside Micropub, have no row.
CREATE TABLE post_clients (
	post_id   INTEGER PRIMARY KEY REFERENCES posts(id) ON DELETE CASCADE,
	client_id TEXT NOT NULL
);
CREATE INDEX post_clients_client ON post_clients (client_id, post_id);
