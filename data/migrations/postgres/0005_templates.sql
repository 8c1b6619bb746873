-- Schema 5: checklist templates imported from Markdown (flightdeck template
-- import). source is the Markdown as imported, parsed again on use; items is
-- its item count, for lists. The built-in octoacme template is never stored:
-- it ships with the binary and its name is reserved. Names are what
-- --template accepts: [a-z0-9][a-z0-9-]{0,39}. Times are INTEGER unix
-- milliseconds UTC.
--
-- A deployment copies its template's items when it starts, so replacing a
-- template never rewrites a deployment's checklist.
--
-- The PostgreSQL form of ../0005_templates.sql (rules in 0001_init.sql).
-- GLOB becomes a regular expression: ~ '^[a-z0-9]' for GLOB '[a-z0-9]*'
-- and !~ '[^a-z0-9-]' for NOT GLOB '*[^a-z0-9-]*'. Both are case-sensitive
-- and their ranges are code points, whatever the locale.
CREATE TABLE templates (
	name        TEXT    PRIMARY KEY
		CHECK (length(name) BETWEEN 1 AND 40 AND name ~ '^[a-z0-9]' AND name !~ '[^a-z0-9-]' AND name <> 'octoacme'),
	source      TEXT    NOT NULL CHECK (source <> ''),
	items       BIGINT  NOT NULL CHECK (items > 0),
	imported_by TEXT    NOT NULL,
	imported_at BIGINT  NOT NULL
);
