-- Syndication targets added in the owner's pages: SQLite's 0018_syndication_targets.sql.
-- secret is the credential sealed with AES-256-GCM under the key kept apart from the
-- database (internal/secret): never in clear here. Times are text in formatTime's format.
CREATE TABLE syndication_targets (
	uid     text COLLATE "C" PRIMARY KEY,
	name    text NOT NULL,
	service text NOT NULL,
	server  text NOT NULL DEFAULT '',
	handle  text NOT NULL DEFAULT '',
	always  boolean NOT NULL DEFAULT false,
	secret  text NOT NULL,
	created text NOT NULL,
	updated text NOT NULL
);
