-- IMAP access and delivery.
--
-- A user's password for IMAP (and later the web UI): an argon2id hash in
-- the PHC string format.
CREATE TABLE user_passwords (
	user_id    INTEGER PRIMARY KEY REFERENCES users(id),
	hash       TEXT NOT NULL,
	updated_at INTEGER NOT NULL
);
-- App passwords: generated, high-entropy secrets a user gives a mail client
-- instead of their password, each revocable on its own. Stored as the
-- SHA-256 of the secret (random 120 bits: a slow hash adds nothing).
CREATE TABLE app_passwords (
	id           INTEGER PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users(id),
	name         TEXT NOT NULL,
	sha256       TEXT NOT NULL UNIQUE,
	created_at   INTEGER NOT NULL,
	last_used_at INTEGER NOT NULL DEFAULT 0,
	UNIQUE (user_id, name)
);
-- Delivery of copies to an existing mail server: one row per copy once the
-- delivery runner has taken it up. A copy without a row is pending.
-- state: sending (an APPEND may be under way: its outcome is uncertain until
-- the lease in next_at runs out), retry (failed, next try at next_at),
-- delivered, failed (gave up after the last try; 'custos deliver retry').
CREATE TABLE deliveries (
	copy_id      INTEGER PRIMARY KEY,  -- copies.id; the row goes with the copy (trigger below)
	state        TEXT NOT NULL,
	attempts     INTEGER NOT NULL DEFAULT 0,
	next_at      INTEGER NOT NULL DEFAULT 0,
	target       TEXT NOT NULL DEFAULT '',
	remote_uid   INTEGER NOT NULL DEFAULT 0,
	how          TEXT NOT NULL DEFAULT '',   -- appended, found (already on the server)
	last_error   TEXT NOT NULL DEFAULT '',
	updated_at   INTEGER NOT NULL
);
CREATE INDEX deliveries_state ON deliveries(state, next_at);
-- A copy removed (retention, purge) takes its delivery record with it, so
-- a later copy that reuses the id starts pending.
CREATE TRIGGER deliveries_copy_removed AFTER DELETE ON copies BEGIN
	DELETE FROM deliveries WHERE copy_id = OLD.id;
END;
