-- Schema 4: delivery metrics and history. Times are INTEGER unix
-- milliseconds UTC; NULL means "not yet" (or "none").
--
-- The PostgreSQL form of ../0004_history.sql (rules in 0001_init.sql).

-- The incident a deployment was made to fix (DORA's deployment rework
-- rate). NULL for a planned change. Incidents are never deleted, so the
-- reference never dangles.
ALTER TABLE deployments ADD COLUMN hotfix_for BIGINT REFERENCES incidents (id) DEFERRABLE INITIALLY IMMEDIATE;

CREATE INDEX deployments_by_hotfix ON deployments (hotfix_for, id) WHERE hotfix_for IS NOT NULL;

-- The history list: newest first, for one service or all (the status filter
-- uses deployments_by_status from schema 1).
CREATE INDEX deployments_by_created ON deployments (created_at, id);
CREATE INDEX deployments_by_service ON deployments (service, created_at, id);

-- The metrics window: deployments that finished in it, incidents opened or
-- resolved in it.
CREATE INDEX deployments_by_finished ON deployments (finished_at, id) WHERE finished_at IS NOT NULL;
CREATE INDEX incidents_by_opened ON incidents (opened_at, id);
CREATE INDEX incidents_by_resolved ON incidents (resolved_at, id) WHERE resolved_at IS NOT NULL;
