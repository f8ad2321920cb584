-- What became of each post on its syndication targets (post.Copy, as a JSON array): the
-- copy's URL, its status and last error. Kept with the post so that a change and the
-- copies it concerns are read and written in one transaction.
ALTER TABLE posts ADD COLUMN copies TEXT NOT NULL DEFAULT '[]';
-- Pending lists were written as blobs; as text they compare with '[]'.
UPDATE posts SET syndicate_to = CAST(syndicate_to AS TEXT) WHERE typeof(syndicate_to) = 'blob';
-- The posts still waiting for syndication (a pending list that is not empty), for
-- POST /syndicate: a few rows, whatever the number of posts.
CREATE INDEX posts_awaiting_syndication ON posts (id) WHERE syndicate_to != '[]' AND deleted = 0;
