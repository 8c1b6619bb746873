-- Schema 9: the commits a deployment ships, for lead time per change.
--
-- One row per commit between the commit the service's previous completed
-- deployment to the same environment ran and the commit this deployment
-- deploys (git's prev..new: merge commits and the commits they bring are all
-- listed), written in the transaction that starts the deployment. position 0
-- is the deployed commit (deployments.commit_sha), then older ones in git log
-- order. Times are INTEGER unix milliseconds UTC: committed_at is git's
-- committer date (what lead time measures from), authored_at its author
-- date. No subject or author is stored: that is user text no metric reads.
-- Deployments recorded without git (and those from before this schema) have
-- no rows and count their single committed_at.
CREATE TABLE deployment_commits (
	id            INTEGER PRIMARY KEY,
	deployment_id INTEGER NOT NULL REFERENCES deployments (id),
	position      INTEGER NOT NULL CHECK (position >= 0),
	sha           TEXT    NOT NULL CHECK (length(sha) IN (40, 64) AND sha NOT GLOB '*[^0-9a-f]*'),
	committed_at  INTEGER NOT NULL,
	authored_at   INTEGER NOT NULL,
	UNIQUE (deployment_id, position),
	UNIQUE (deployment_id, sha)
) STRICT;
