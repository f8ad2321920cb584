-- Old addresses that answer 301 with a post's new URL: the paths of imported posts that
-- could not keep their original path on this site (WordPress's, Micro.blog's).
CREATE TABLE redirects (
	path    TEXT PRIMARY KEY, -- the old path, as requested: "/2019/05/hello-world/"
	target  TEXT NOT NULL,    -- the absolute URL it moved to
	created TEXT NOT NULL
);
