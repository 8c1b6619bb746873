-- Schema 7: holds that hold.
--
-- A rollout's first stage waits for the canary to take traffic: not_live is
-- 1 from the start of Deployment Execution until "Deploy to staging/canary
-- environment first" is ticked (or `deploy live`), and live_at says when it
-- went live; the first soak runs from then. Rows written before this schema
-- (and bulk loads) are live since started_at: not_live 0, live_at NULL.
--
-- The PostgreSQL form of ../0007_holds.sql (rules in 0001_init.sql). As in
-- SQLite, the DEFAULT is what fills the existing rows.
ALTER TABLE rollouts ADD COLUMN not_live BIGINT NOT NULL DEFAULT 0 CHECK (not_live IN (0, 1));
ALTER TABLE rollouts ADD COLUMN live_at BIGINT;

-- A reading that breaks the rollback rule latches: a row here with
-- latched = 1 (criterion 'error-rate', the rule's explanation as reason),
-- active until cleared with a reason like a person's declaration, whatever
-- later readings say.
ALTER TABLE rollback_declarations ADD COLUMN latched BIGINT NOT NULL DEFAULT 0 CHECK (latched IN (0, 1));
