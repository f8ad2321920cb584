-- The owner's page of webmentions sent lists the latest outcomes of all posts, newest
-- first (RecentlySent); SQLite's 0019_webmention_sent_at.sql.
CREATE INDEX webmention_sent_at ON webmention_sent (at);
