-- Schema 5: checklist templates imported from Markdown (flightdeck template
-- import). source is the Markdown as imported, parsed again on use; items is
-- its item count, for lists. The built-in octoacme template is never stored:
-- it ships with the binary and its name is reserved. Names are what
-- --template accepts: [a-z0-9][a-z0-9-]{0,39}. Times are INTEGER unix
-- milliseconds UTC.
--
-- A deployment copies its template's items when it starts, so replacing a
-- template never rewrites a deployment's checklist.
CREATE TABLE templates (
	name        TEXT    PRIMARY KEY
		CHECK (length(name) BETWEEN 1 AND 40 AND name GLOB '[a-z0-9]*' AND name NOT GLOB '*[^a-z0-9-]*' AND name <> 'octoacme'),
	source      TEXT    NOT NULL CHECK (source <> ''),
	items       INTEGER NOT NULL CHECK (items > 0),
	imported_by TEXT    NOT NULL,
	imported_at INTEGER NOT NULL
) STRICT;
