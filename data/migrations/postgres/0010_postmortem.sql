-- Schema 10: the postmortem a review starts from.
--
-- One row per incident that has any postmortem field set: the summary, the
-- impact (who, how many, how long), how and when it was detected, the
-- contributing factors beside incidents.root_cause, the three lessons
-- (what went well, what went wrong, where we got lucky), its owner and its
-- status. status moves draft → in-review → published, and back to draft
-- with a reason (model.PostmortemStatus.CheckNext; the reason is in the
-- timeline event). Times are INTEGER unix milliseconds UTC.
--
-- The PostgreSQL form of ../0010_postmortem.sql (rules in 0001_init.sql).
CREATE TABLE incident_postmortems (
	incident_id  BIGINT  PRIMARY KEY REFERENCES incidents (id) DEFERRABLE INITIALLY IMMEDIATE,
	summary      TEXT    NOT NULL DEFAULT '',
	impact       TEXT    NOT NULL DEFAULT '',
	detection    TEXT    NOT NULL DEFAULT '',
	detected_at  BIGINT,
	contributing TEXT    NOT NULL DEFAULT '',
	went_well    TEXT    NOT NULL DEFAULT '',
	went_wrong   TEXT    NOT NULL DEFAULT '',
	lucky        TEXT    NOT NULL DEFAULT '',
	owner        TEXT    NOT NULL DEFAULT '',
	status       TEXT    NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'in-review', 'published')),
	status_at    BIGINT,
	status_by    TEXT    NOT NULL DEFAULT ''
);

-- Action items gain an owner, a due day (unix ms of midnight UTC) and a
-- kind; done (schema 3) gains when and by whom.
ALTER TABLE incident_action_items ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE incident_action_items ADD COLUMN due BIGINT;
ALTER TABLE incident_action_items ADD COLUMN kind TEXT NOT NULL DEFAULT '' CHECK (kind IN ('', 'prevent', 'mitigate', 'detect'));
ALTER TABLE incident_action_items ADD COLUMN done_at BIGINT;
ALTER TABLE incident_action_items ADD COLUMN done_by TEXT NOT NULL DEFAULT '';
