-- Which process runs a connector's run, and when it last said it was alive:
-- a second process does not start the same connector while the first runs,
-- and takes over at once from one that died.
ALTER TABLE connector_runs ADD COLUMN host TEXT NOT NULL DEFAULT '';
ALTER TABLE connector_runs ADD COLUMN pid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE connector_runs ADD COLUMN heartbeat_at INTEGER NOT NULL DEFAULT 0;
