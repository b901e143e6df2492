-- Connectors: definitions, their runs, and completeness records.
CREATE TABLE connectors (
	id              INTEGER PRIMARY KEY,
	name            TEXT NOT NULL UNIQUE,
	source          TEXT NOT NULL,
	site_url        TEXT NOT NULL,
	username        TEXT NOT NULL,
	password_enc    BLOB,                -- AES-256-GCM, key outside the database; NULL until the login step
	setup           TEXT NOT NULL,       -- JSON: the creation steps walked (terms, login, mapping, consent, review)
	auto_mapping    INTEGER NOT NULL DEFAULT 1,
	schedule        TEXT NOT NULL DEFAULT '@daily',
	state           TEXT NOT NULL,       -- draft, active, paused, error
	error           TEXT NOT NULL DEFAULT '',
	cursor          TEXT NOT NULL DEFAULT '',
	next_run_at     INTEGER NOT NULL DEFAULT 0,
	created_at      INTEGER NOT NULL
);
CREATE TABLE connector_runs (
	id            INTEGER PRIMARY KEY,
	connector_id  INTEGER NOT NULL REFERENCES connectors(id),
	started_at    INTEGER NOT NULL,
	finished_at   INTEGER NOT NULL DEFAULT 0,
	status        TEXT NOT NULL,        -- running, succeeded, failed, interrupted
	trigger       TEXT NOT NULL,        -- schedule, manual
	fetched       INTEGER NOT NULL DEFAULT 0,
	imported      INTEGER NOT NULL DEFAULT 0,
	duplicates    INTEGER NOT NULL DEFAULT 0,
	copies        INTEGER NOT NULL DEFAULT 0,
	unmapped      INTEGER NOT NULL DEFAULT 0,
	failed        INTEGER NOT NULL DEFAULT 0,
	total         INTEGER NOT NULL DEFAULT -1, -- items to fetch when the run started, -1 if unknown
	errors        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX connector_runs_connector ON connector_runs(connector_id, id);
-- Items a connector could not archive, kept with the reason.
CREATE TABLE connector_failures (
	connector_id INTEGER NOT NULL REFERENCES connectors(id),
	source_id    TEXT NOT NULL,
	run_id       INTEGER NOT NULL,
	reason       TEXT NOT NULL,
	item         TEXT NOT NULL,
	at           INTEGER NOT NULL,
	PRIMARY KEY (connector_id, source_id)
);
-- Per capture day and connector: what the archive did with what the site captured.
CREATE TABLE completeness (
	connector_id INTEGER NOT NULL REFERENCES connectors(id),
	day          TEXT NOT NULL,
	archived     INTEGER NOT NULL DEFAULT 0,
	duplicates   INTEGER NOT NULL DEFAULT 0,
	quarantined  INTEGER NOT NULL DEFAULT 0,
	failed       INTEGER NOT NULL DEFAULT 0,
	captured     INTEGER NOT NULL DEFAULT -1,  -- the site's count, when last checked
	checked_at   INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (connector_id, day)
);
