-- Schema 2: live rollouts, health readings and rollback criteria.
-- Times are INTEGER unix milliseconds UTC; NULL means "not yet". Durations
-- are INTEGER milliseconds. Remaining time is never stored as a counter: a
-- running soak is derived from stage_started_at + paused_total_ms + soak, and
-- only a paused one stores what was left (remaining_at_pause_ms).

-- Set by abort (the deployment stays in_progress and works its Rollback
-- checklist) and by ticking "Verify previous version is running correctly"
-- (the 15-minute stability watch starts).
ALTER TABLE deployments ADD COLUMN rollback_at INTEGER;
ALTER TABLE deployments ADD COLUMN stability_at INTEGER;

-- One rollout per deployment, created when it enters Deployment Execution.
-- plan is the model.Plan as JSON with snake_case keys and soak_ms, copied at
-- start so later configuration changes never move a running timer.
CREATE TABLE rollouts (
	deployment_id         INTEGER PRIMARY KEY REFERENCES deployments (id),
	plan                  TEXT    NOT NULL CHECK (json_valid(plan)),
	stage                 INTEGER NOT NULL CHECK (stage >= 0), -- index into plan.stages
	started_at            INTEGER NOT NULL,
	stage_started_at      INTEGER NOT NULL,
	paused                INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
	paused_at             INTEGER,
	remaining_at_pause_ms INTEGER NOT NULL DEFAULT 0 CHECK (remaining_at_pause_ms >= 0),
	paused_total_ms       INTEGER NOT NULL DEFAULT 0 CHECK (paused_total_ms >= 0),
	soak_ended_at         INTEGER,
	aborted_at            INTEGER,
	rolled_back_at        INTEGER,
	completed_at          INTEGER,
	CHECK (paused = 0 OR paused_at IS NOT NULL)
) STRICT;

-- Stages that have ended (promoted out of, or finished), for the soaking vs
-- waiting split. A stage ends once, hence the unique key.
CREATE TABLE rollout_stages (
	id            INTEGER PRIMARY KEY,
	deployment_id INTEGER NOT NULL REFERENCES rollouts (deployment_id),
	stage         INTEGER NOT NULL CHECK (stage >= 0),
	started_at    INTEGER NOT NULL,
	soak_ended_at INTEGER, -- NULL when promoted before the soak ended
	promoted_at   INTEGER NOT NULL, -- or finished at, for the last stage
	paused_ms     INTEGER NOT NULL DEFAULT 0 CHECK (paused_ms >= 0),
	override      TEXT    NOT NULL DEFAULT '',
	criteria_met  INTEGER NOT NULL DEFAULT 0 CHECK (criteria_met IN (0, 1)),
	UNIQUE (deployment_id, stage)
) STRICT;

-- Error-rate readings in percent; the last one committed is the current health.
CREATE TABLE health_samples (
	id            INTEGER PRIMARY KEY,
	deployment_id INTEGER NOT NULL REFERENCES deployments (id),
	at            INTEGER NOT NULL,
	baseline      REAL    NOT NULL CHECK (baseline BETWEEN 0 AND 100),
	error_rate    REAL    NOT NULL CHECK (error_rate BETWEEN 0 AND 100),
	actor         TEXT    NOT NULL,
	source        TEXT    NOT NULL DEFAULT 'manual'
) STRICT;

CREATE INDEX health_samples_by_deployment ON health_samples (deployment_id, id);

-- A person stating that a "When to Rollback" criterion is met. Active until
-- cleared (a false alarm), which is recorded, never deleted.
CREATE TABLE rollback_declarations (
	id            INTEGER PRIMARY KEY,
	deployment_id INTEGER NOT NULL REFERENCES deployments (id),
	criterion     TEXT    NOT NULL CHECK (criterion IN
		('error-rate', 'critical-functionality-broken', 'security-vulnerability', 'performance-degradation')),
	reason        TEXT    NOT NULL CHECK (reason <> ''),
	actor         TEXT    NOT NULL,
	at            INTEGER NOT NULL,
	cleared_at    INTEGER,
	cleared_by    TEXT    NOT NULL DEFAULT '',
	clear_reason  TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX rollback_declarations_active ON rollback_declarations (deployment_id) WHERE cleared_at IS NULL;

-- "Ready to promote" is derived from the clock, so every open dashboard
-- notices it; the unique key lets exactly one of them write the event.
CREATE TABLE rollout_ready (
	id            INTEGER PRIMARY KEY,
	deployment_id INTEGER NOT NULL REFERENCES rollouts (deployment_id),
	stage         INTEGER NOT NULL CHECK (stage >= 0),
	at            INTEGER NOT NULL,
	UNIQUE (deployment_id, stage)
) STRICT;
