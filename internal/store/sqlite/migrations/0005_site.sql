-- The website's Last-Modified reads the newest update without scanning the table.
CREATE INDEX posts_updated ON posts (updated);
