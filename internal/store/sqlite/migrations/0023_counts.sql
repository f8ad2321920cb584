-- What the metrics count at each scrape, read from an index alone: jobs by state and kind
-- with the run time of the pending ones (the done jobs are kept, so the table grows), and
-- received webmentions by status and approval.
CREATE INDEX jobs_counts ON jobs (state, kind, run_at);
CREATE INDEX mentions_status ON mentions (status, approved);
