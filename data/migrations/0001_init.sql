-- Schema 1: deployments, their checklists and the append-only timeline.
-- Times are INTEGER unix milliseconds UTC; NULL means "not yet".

CREATE TABLE deployments (
	id           INTEGER PRIMARY KEY,
	service      TEXT    NOT NULL,
	version      TEXT    NOT NULL,
	environment  TEXT    NOT NULL,
	strategy     TEXT    NOT NULL,
	status       TEXT    NOT NULL
		CHECK (status IN ('planned', 'in_progress', 'completed', 'rolled_back', 'aborted')),
	template     TEXT    NOT NULL,
	started_by   TEXT    NOT NULL,
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL,
	execution_at INTEGER,
	finished_at  INTEGER,
	commit_sha   TEXT    NOT NULL DEFAULT '',
	committed_at INTEGER
) STRICT;

CREATE INDEX deployments_by_status ON deployments (status, created_at);

CREATE TABLE checklist_items (
	id            INTEGER PRIMARY KEY,
	deployment_id INTEGER NOT NULL REFERENCES deployments (id),
	phase         TEXT    NOT NULL,
	section       TEXT    NOT NULL,
	position      INTEGER NOT NULL,
	text          TEXT    NOT NULL,
	state         TEXT    NOT NULL DEFAULT 'todo' CHECK (state IN ('todo', 'done', 'n/a')),
	reason        TEXT    NOT NULL DEFAULT '',
	changed_by    TEXT    NOT NULL DEFAULT '',
	changed_at    INTEGER,
	note          TEXT    NOT NULL DEFAULT '',
	note_by       TEXT    NOT NULL DEFAULT '',
	note_at       INTEGER,
	-- n/a must always say why (mirrors model.ValidateChange).
	CHECK (state <> 'n/a' OR reason <> '')
) STRICT;

CREATE UNIQUE INDEX checklist_items_by_deployment ON checklist_items (deployment_id, position);

-- One row per guidance line; position numbers the guidance blocks of a
-- deployment, and id keeps the lines of a block in order. A block with a
-- title but no lines is one row with line NULL.
CREATE TABLE checklist_guidance (
	id            INTEGER PRIMARY KEY,
	deployment_id INTEGER NOT NULL REFERENCES deployments (id),
	phase         TEXT    NOT NULL,
	position      INTEGER NOT NULL,
	title         TEXT    NOT NULL DEFAULT '',
	line          TEXT
) STRICT;

CREATE INDEX checklist_guidance_by_deployment ON checklist_guidance (deployment_id, position, id);

CREATE TABLE events (
	id            INTEGER PRIMARY KEY,
	at            INTEGER NOT NULL,
	actor         TEXT    NOT NULL,
	kind          TEXT    NOT NULL,
	deployment_id INTEGER REFERENCES deployments (id),
	item_id       INTEGER REFERENCES checklist_items (id),
	text          TEXT    NOT NULL
) STRICT;

CREATE INDEX events_by_time ON events (at, id);
CREATE INDEX events_by_deployment ON events (deployment_id, at, id);

-- The timeline is evidence: once written, an event never changes.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
	SELECT RAISE(ABORT, 'events are append-only');
END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
	SELECT RAISE(ABORT, 'events are append-only');
END;
