-- Schema 6: claims for work that must happen once per database however many
-- flightdeck processes watch it — notifications (escalation due, stage
-- ready, rollback criteria met) and metrics-probe runs. A process claims a
-- key with an INSERT; the one whose INSERT wins does the work and records
-- the outcome (the timeline gets the notify.sent / notify.failed event in
-- the same transaction). Times are INTEGER unix milliseconds UTC.
--
-- The PostgreSQL form of ../0006_notifications.sql (rules in 0001_init.sql).
CREATE TABLE notifications (
	-- What was claimed, e.g. 'escalation_due:3:2:1764081600000' (incident,
	-- step, due time), 'stage_ready:7:1', 'rollback_criteria:7:5123' (the
	-- event that made criteria met), 'probe:7' (one row per deployment).
	key      TEXT    PRIMARY KEY,
	kind     TEXT    NOT NULL,
	at       BIGINT  NOT NULL,           -- when it was (last) claimed
	owner    TEXT    NOT NULL,           -- host:pid:nonce of the claimant
	-- Probe rows: the interval window (unix time / interval) claimed last.
	slot     BIGINT  NOT NULL DEFAULT 0,
	-- A claim whose owner died before finishing may be taken over once its
	-- lease has passed; attempts counts the takeovers' runs.
	attempts BIGINT  NOT NULL DEFAULT 1,
	done_at  BIGINT,                     -- NULL while the work runs
	outcome  TEXT    NOT NULL DEFAULT '' CHECK (outcome IN ('', 'ok', 'failed', 'timeout', 'skipped')),
	detail   TEXT    NOT NULL DEFAULT ''
);
