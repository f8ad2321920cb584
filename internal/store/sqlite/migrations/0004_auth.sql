-- Refresh tokens belong to the access token they were issued with; rotating one revokes
-- the row and issues a new one. Only the SHA-256 of the refresh token is kept.
ALTER TABLE tokens ADD COLUMN refresh_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN refresh_expires TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX tokens_refresh_hash ON tokens (refresh_hash) WHERE refresh_hash <> '';
CREATE INDEX tokens_client ON tokens (client_id);

-- Authorization codes: single use, short-lived, bound to the client, the redirect URI and
-- the PKCE challenge. used is set on redemption; token_id remembers what the code bought,
-- so that a replayed code can revoke it (RFC 6749 section 4.1.2).
CREATE TABLE auth_codes (
	hash         TEXT PRIMARY KEY,         -- hex SHA-256 of the code
	client_id    TEXT NOT NULL,
	client_name  TEXT NOT NULL DEFAULT '',
	redirect_uri TEXT NOT NULL,
	me           TEXT NOT NULL,
	scope        TEXT NOT NULL DEFAULT '',
	challenge    TEXT NOT NULL DEFAULT '', -- S256 code_challenge; '' for a client allowed without PKCE
	lifetime     INTEGER NOT NULL DEFAULT 0, -- seconds the access token will live; 0: no expiry
	created      TEXT NOT NULL,
	expires      TEXT NOT NULL,
	used         INTEGER NOT NULL DEFAULT 0,
	token_id     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX auth_codes_expires ON auth_codes (expires);

-- The site owner's password, as an argon2id PHC string; at most one row.
CREATE TABLE owner (
	id            INTEGER PRIMARY KEY CHECK (id = 1),
	password_hash TEXT NOT NULL,
	updated       TEXT NOT NULL
);

-- One-time links to choose the first password; only hashes are kept.
CREATE TABLE setup_tokens (
	hash    TEXT PRIMARY KEY,
	expires TEXT NOT NULL
);

-- The owner's signed-in browsers. hash is the SHA-256 of the cookie value; csrf is the
-- token every form of that session carries.
CREATE TABLE sessions (
	hash    TEXT PRIMARY KEY,
	csrf    TEXT NOT NULL,
	created TEXT NOT NULL,
	expires TEXT NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires);

-- Clients the owner allowed to sign in without PKCE (Sunlit, Micro.blog).
CREATE TABLE pkce_exemptions (
	client_id   TEXT PRIMARY KEY,
	client_name TEXT NOT NULL DEFAULT '',
	created     TEXT NOT NULL
);
