-- Schema 3: incidents, their escalation history, stakeholder updates, and
-- incident columns on the timeline. Times are INTEGER unix milliseconds UTC;
-- NULL means "not yet". Severity is the SEV number, 1 (SEV1) to 4 (SEV4).

-- id is the n of INC-n. Rows are never deleted, so ids are never reused.
CREATE TABLE incidents (
	id             INTEGER PRIMARY KEY,
	title          TEXT    NOT NULL CHECK (title <> ''),
	severity       INTEGER NOT NULL CHECK (severity BETWEEN 1 AND 4),
	status         TEXT    NOT NULL CHECK (status IN ('open', 'mitigated', 'resolved')),
	security       INTEGER NOT NULL DEFAULT 0 CHECK (security IN (0, 1)),
	security_at    INTEGER,
	deployment_id  INTEGER REFERENCES deployments (id),
	commander      TEXT    NOT NULL DEFAULT '',
	scribe         TEXT    NOT NULL DEFAULT '',
	comms          TEXT    NOT NULL DEFAULT '',
	opened_by      TEXT    NOT NULL,
	opened_at      INTEGER NOT NULL,
	mitigated_at   INTEGER,
	resolved_at    INTEGER,
	root_cause     TEXT    NOT NULL DEFAULT '',
	last_update_at INTEGER,
	CHECK (status <> 'resolved' OR resolved_at IS NOT NULL),
	CHECK (security = 0 OR security_at IS NOT NULL)
) STRICT;

-- Open and mitigated incidents are read on every refresh and by the freeze
-- check inside each deployment start.
CREATE INDEX incidents_by_status ON incidents (status, opened_at);
CREATE INDEX incidents_by_deployment ON incidents (deployment_id) WHERE deployment_id IS NOT NULL;

-- Every severity change after opening; the escalation clocks are computed
-- from this history (when the incident became SEV1/SEV2), never stored.
CREATE TABLE incident_severity_changes (
	id          INTEGER PRIMARY KEY,
	incident_id INTEGER NOT NULL REFERENCES incidents (id),
	at          INTEGER NOT NULL,
	from_sev    INTEGER NOT NULL CHECK (from_sev BETWEEN 1 AND 4),
	to_sev      INTEGER NOT NULL CHECK (to_sev BETWEEN 1 AND 4),
	actor       TEXT    NOT NULL
) STRICT;

CREATE INDEX incident_severity_changes_by_incident ON incident_severity_changes (incident_id, at, id);

-- "The person behind escalation step N was reached", by whom and when.
CREATE TABLE incident_acks (
	id          INTEGER PRIMARY KEY,
	incident_id INTEGER NOT NULL REFERENCES incidents (id),
	step        INTEGER NOT NULL CHECK (step > 0),
	at          INTEGER NOT NULL,
	actor       TEXT    NOT NULL,
	reached     TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX incident_acks_by_incident ON incident_acks (incident_id, step, at);

-- Escalate-now and skip-to-step, each with the reason the timeline quotes.
CREATE TABLE incident_escalations (
	id          INTEGER PRIMARY KEY,
	incident_id INTEGER NOT NULL REFERENCES incidents (id),
	kind        TEXT    NOT NULL CHECK (kind IN ('escalate-now', 'skip-to')),
	step        INTEGER NOT NULL CHECK (step > 0),
	at          INTEGER NOT NULL,
	actor       TEXT    NOT NULL,
	reason      TEXT    NOT NULL CHECK (reason <> '')
) STRICT;

CREATE INDEX incident_escalations_by_incident ON incident_escalations (incident_id, at, id);

CREATE TABLE incident_action_items (
	id          INTEGER PRIMARY KEY,
	incident_id INTEGER NOT NULL REFERENCES incidents (id),
	position    INTEGER NOT NULL CHECK (position > 0),
	text        TEXT    NOT NULL CHECK (text <> ''),
	done        INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
	UNIQUE (incident_id, position)
) STRICT;

-- Stakeholder updates in the Conditions / Actions / Needs format.
CREATE TABLE incident_updates (
	id          INTEGER PRIMARY KEY,
	incident_id INTEGER NOT NULL REFERENCES incidents (id),
	at          INTEGER NOT NULL,
	actor       TEXT    NOT NULL,
	conditions  TEXT    NOT NULL CHECK (conditions <> ''),
	actions     TEXT    NOT NULL CHECK (actions <> ''),
	needs       TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX incident_updates_by_incident ON incident_updates (incident_id, at, id);

-- Timeline events about an incident carry it and its severity at the time,
-- so the log pane filters by severity without joining incidents. Deployment
-- events have neither. Adding columns does not fire the append-only trigger.
ALTER TABLE events ADD COLUMN incident_id INTEGER REFERENCES incidents (id);
ALTER TABLE events ADD COLUMN severity INTEGER CHECK (severity BETWEEN 1 AND 4);

-- The rowid is every index's implicit last column, so these are ordered by
-- id within one incident / one severity: a newest-first page is an index
-- range read backwards, with no sort.
CREATE INDEX events_by_incident ON events (incident_id) WHERE incident_id IS NOT NULL;
CREATE INDEX events_by_severity ON events (severity) WHERE severity IS NOT NULL;

-- Stars mark key moments for the report. They live beside the timeline, not
-- in it: events stay append-only in every column, and the star records who
-- set it and when. Unstarring deletes the row.
CREATE TABLE event_stars (
	event_id INTEGER PRIMARY KEY REFERENCES events (id),
	actor    TEXT    NOT NULL,
	at       INTEGER NOT NULL
) STRICT;
