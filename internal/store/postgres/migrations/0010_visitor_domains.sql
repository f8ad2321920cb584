-- The hosts of visitors who signed in with their website through indiepub, for
-- webmention moderation: only the host and when it first signed in, never a token.
CREATE TABLE visitor_domains (
	domain text COLLATE "C" PRIMARY KEY,
	first  timestamptz NOT NULL
);
