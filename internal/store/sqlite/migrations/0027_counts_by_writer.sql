-- The counts of 0001_posts.sql and the change counter of 0005_site.sql were kept on every
-- insert by triggers run once a row: three statements for each post stored and two for
-- each of its tags, a third of the writer's time for a create (the one serial part of
-- it). Posts and their tags are inserted by the store's own code alone (groupcommit.go
-- for creates, setTags for an update's tags), which now adds a group's counts in one
-- statement per table, from the rows the group inserted (counts.go). Updates and deletes
-- keep their triggers.
DROP TRIGGER posts_count_insert;
DROP TRIGGER posts_site_insert;
DROP TRIGGER post_tags_count_insert;
