-- The directory: users and their mailboxes.
CREATE TABLE users (
	id         INTEGER PRIMARY KEY,
	email      TEXT NOT NULL UNIQUE,
	name       TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE TABLE user_phones (
	user_id INTEGER NOT NULL REFERENCES users(id),
	phone   TEXT NOT NULL,
	PRIMARY KEY (user_id, phone)
);
CREATE INDEX user_phones_phone ON user_phones(phone);
CREATE TABLE mailboxes (
	id         INTEGER PRIMARY KEY,
	address    TEXT NOT NULL UNIQUE,
	user_id    INTEGER REFERENCES users(id),
	created_at INTEGER NOT NULL
);
CREATE TABLE folders (
	id           INTEGER PRIMARY KEY,
	mailbox_id   INTEGER NOT NULL REFERENCES mailboxes(id),
	name         TEXT NOT NULL,
	uid_validity INTEGER NOT NULL,
	uid_next     INTEGER NOT NULL DEFAULT 1,
	UNIQUE (mailbox_id, name)
);

-- Archived items: each stored once, whatever the number of mailboxes it is
-- filed in. skeleton is the MIME text with holes (offset:sha256:size, in
-- holes) where attachment bodies go; item is the item's JSON with attachment
-- bytes replaced by blob refs.
CREATE TABLE items (
	id              INTEGER PRIMARY KEY,
	source          TEXT NOT NULL,
	source_id       TEXT NOT NULL,
	kind            TEXT NOT NULL,
	conversation_id TEXT NOT NULL,
	sent_at         INTEGER NOT NULL,
	message_id      TEXT NOT NULL,
	size            INTEGER NOT NULL,
	sha256          TEXT NOT NULL,
	skeleton        BLOB NOT NULL,
	holes           TEXT NOT NULL,
	item            TEXT NOT NULL,
	archived_at     INTEGER NOT NULL,
	UNIQUE (source, source_id)
);
CREATE INDEX items_sent_at ON items(sent_at);
CREATE TABLE item_blobs (
	item_id INTEGER NOT NULL REFERENCES items(id),
	sha256  TEXT NOT NULL,
	size    INTEGER NOT NULL,
	PRIMARY KEY (item_id, sha256)
);
CREATE INDEX item_blobs_sha256 ON item_blobs(sha256);

-- A copy of an item in a folder of a mailbox, with its IMAP UID.
CREATE TABLE copies (
	id        INTEGER PRIMARY KEY,
	folder_id INTEGER NOT NULL REFERENCES folders(id),
	item_id   INTEGER NOT NULL REFERENCES items(id),
	uid       INTEGER NOT NULL,
	filed_at  INTEGER NOT NULL,
	UNIQUE (folder_id, item_id),
	UNIQUE (folder_id, uid)
);
CREATE INDEX copies_item ON copies(item_id);

-- Items that mapped to no mailbox, held until the mapping is fixed.
CREATE TABLE quarantine (
	item_id     INTEGER PRIMARY KEY REFERENCES items(id),
	reason      TEXT NOT NULL,
	numbers     TEXT NOT NULL,
	mapping     TEXT NOT NULL,
	auto        INTEGER NOT NULL,
	created_at  INTEGER NOT NULL
);

-- Custom user-mapping tables (phone -> mailbox address, with validity), by
-- name, as canonical CSV.
CREATE TABLE mappings (
	name       TEXT PRIMARY KEY,
	csv        TEXT NOT NULL,
	updated_at INTEGER NOT NULL
);
