-- Schema 12: the dashboard's health line asks, on every reload, when the
-- probe first failed after the deployment's last health reading. The
-- deployment's events are indexed by time, so that question read every
-- event since the reading (each note and tick of a busy deployment: 64,000
-- of them made a reload 15 ms). Probe failures are few: this index holds
-- only them.
CREATE INDEX events_probe_failed ON events (deployment_id, at) WHERE kind = 'probe.failed';
