-- Compliance: the recoverable stage of copies, holds, retention policies,
-- blobs waiting to be collected, and the hash-chained audit log.

-- A deleted copy stays in its folder, hidden from searches, listings and
-- exports, until it is purged or recovered.
ALTER TABLE copies ADD COLUMN deleted_at INTEGER;                 -- ms; NULL while the copy is live
ALTER TABLE copies ADD COLUMN deleted_by TEXT NOT NULL DEFAULT ''; -- the actor
ALTER TABLE copies ADD COLUMN deleted_why TEXT NOT NULL DEFAULT '';
CREATE INDEX copies_deleted ON copies(deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX copies_mailbox ON copies(mailbox_id);

CREATE TABLE holds (
	id             INTEGER PRIMARY KEY,
	kind           TEXT NOT NULL,            -- mailbox, query
	query          TEXT NOT NULL DEFAULT '',
	case_name      TEXT NOT NULL DEFAULT '',  -- the eDiscovery case that owns it
	days           INTEGER NOT NULL DEFAULT 0, -- 0: indefinite; else items held for days from sent
	reason         TEXT NOT NULL,
	placed_by      TEXT NOT NULL,
	placed_at      INTEGER NOT NULL,          -- ms
	released_by    TEXT NOT NULL DEFAULT '',
	released_at    INTEGER,                   -- ms; NULL while in place
	release_reason TEXT NOT NULL DEFAULT ''
);
CREATE TABLE hold_mailboxes (
	hold_id    INTEGER NOT NULL REFERENCES holds(id),
	mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id),
	PRIMARY KEY (hold_id, mailbox_id)
);

CREATE TABLE retention_policies (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	action     TEXT NOT NULL,             -- retain, delete, retain-delete
	days       INTEGER NOT NULL,
	scope      TEXT NOT NULL,             -- all, source, folder, mailboxes
	scope_value TEXT NOT NULL DEFAULT '', -- the source or the folder name
	created_by TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	updated_by TEXT NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE TABLE retention_mailboxes (
	policy_id  INTEGER NOT NULL REFERENCES retention_policies(id),
	mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id),
	PRIMARY KEY (policy_id, mailbox_id)
);
-- Compliance settings by name (recovery_days).
CREATE TABLE compliance_settings (
	name  TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

-- Blobs no item refers to any more since a purge. A blob is deleted under
-- the write lock and its row kept (deleted_at set) for a while, so that an
-- import that stored the same bytes before the deletion finds out before it
-- commits (see store.Archive).
CREATE TABLE blob_trash (
	sha256     TEXT PRIMARY KEY,
	since      INTEGER NOT NULL,
	deleted_at INTEGER
);

-- The audit log: append-only, hash-chained (package compliance/audit).
CREATE TABLE audit_log (
	seq       INTEGER PRIMARY KEY,
	at        INTEGER NOT NULL, -- ms
	actor     TEXT NOT NULL,
	action    TEXT NOT NULL,
	object    TEXT NOT NULL,
	outcome   TEXT NOT NULL,
	details   TEXT NOT NULL,    -- compact JSON object, as hashed
	prev_hash TEXT NOT NULL,
	hash      TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_actor ON audit_log(actor);
CREATE INDEX audit_log_action ON audit_log(action);
CREATE INDEX audit_log_object ON audit_log(object);
-- The last record's number and hash, moved with each append: a record
-- removed from the end of the log is missed by the chain alone.
CREATE TABLE audit_head (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	seq  INTEGER NOT NULL,
	hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Archived content is immutable; a copy may only be marked deleted,
-- recovered (with a new UID) or purged; the audit log only grows.
CREATE TRIGGER items_immutable BEFORE UPDATE ON items
BEGIN
	SELECT RAISE(ABORT, 'archived items are immutable');
END;
CREATE TRIGGER copies_immutable BEFORE UPDATE OF id, folder_id, item_id, filed_at, mailbox_id, source, kind, sent_at, archived_at, size, has_attachment ON copies
BEGIN
	SELECT RAISE(ABORT, 'archived copies are immutable');
END;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'the audit log is append-only');
END;
