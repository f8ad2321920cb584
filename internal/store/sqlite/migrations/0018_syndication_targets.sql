-- Syndication targets added in the owner's pages (those given by flag are not stored).
-- secret is the Mastodon access token or Bluesky app password sealed with AES-256-GCM
-- under the key kept apart from the database (internal/secret): never in clear here.
-- server is the Mastodon server or the Bluesky PDS; handle the Bluesky handle.
CREATE TABLE syndication_targets (
	uid     TEXT PRIMARY KEY,
	name    TEXT NOT NULL,
	service TEXT NOT NULL,
	server  TEXT NOT NULL DEFAULT '',
	handle  TEXT NOT NULL DEFAULT '',
	always  INTEGER NOT NULL DEFAULT 0,
	secret  TEXT NOT NULL,
	created TEXT NOT NULL,
	updated TEXT NOT NULL
) WITHOUT ROWID;
