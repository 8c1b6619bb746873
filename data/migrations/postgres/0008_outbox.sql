-- Schema 8: the outbox. Every sender (webhook, slack, pagerduty, the notify
-- command) delivers the timeline events it routes in timeline order, once
-- per database however many flightdeck processes run: the process holding
-- a sender's lease delivers; its cursor is the id of the last event it
-- finished (delivered, or given up). Times are INTEGER unix milliseconds UTC.
--
-- The PostgreSQL form of ../0008_outbox.sql (rules in 0001_init.sql).
-- cursor is a keyword in PostgreSQL but not a reserved one: it needs no
-- quotes as a column name.
CREATE TABLE outbox (
	sender        TEXT    PRIMARY KEY,      -- the configured name
	cursor        BIGINT  NOT NULL,         -- events.id handled last
	owner         TEXT    NOT NULL DEFAULT '', -- host:pid:nonce of the lease holder; '' released
	lease_until   BIGINT  NOT NULL DEFAULT 0,
	-- The failing spell: when deliveries began to fail (NULL: healthy), the
	-- notices given up since, and the last error (never a secret).
	failing_since BIGINT,
	lost          BIGINT  NOT NULL DEFAULT 0,
	last_error    TEXT    NOT NULL DEFAULT '',
	delivered     BIGINT  NOT NULL DEFAULT 0, -- notices delivered, all time
	delivered_at  BIGINT                      -- the last one
);
