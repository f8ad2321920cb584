-- What became of each post on its syndication targets (post.Copy, as a JSON array): the
-- copy's URL, its status and last error. Kept with the post so that a change and the
-- copies it concerns are read and written in one transaction.
ALTER TABLE posts ADD COLUMN copies TEXT NOT NULL DEFAULT '[]';
