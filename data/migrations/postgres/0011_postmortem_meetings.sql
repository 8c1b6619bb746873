-- Schema 11: the postmortem meeting of an incident (issue 16).
--
-- At most one row per incident: scheduling again moves the meeting (the
-- timeline keeps every schedule as an incident.postmortem_scheduled event).
-- Times are INTEGER unix milliseconds UTC. sequence counts the schedules,
-- so a moved meeting's .ics invite (same UID) replaces the earlier one in a
-- calendar (RFC 5545 SEQUENCE).
--
-- The PostgreSQL form of ../0011_postmortem_meetings.sql (rules in
-- 0001_init.sql).
CREATE TABLE incident_meetings (
	incident_id  BIGINT  PRIMARY KEY REFERENCES incidents (id) DEFERRABLE INITIALLY IMMEDIATE,
	at           BIGINT  NOT NULL,
	owner        TEXT    NOT NULL DEFAULT '',
	scheduled_by TEXT    NOT NULL,
	scheduled_at BIGINT  NOT NULL,
	sequence     BIGINT  NOT NULL DEFAULT 0 CHECK (sequence >= 0)
);
