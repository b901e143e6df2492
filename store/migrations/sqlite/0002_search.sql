-- Search. Each copy of an item (an item filed in one folder) is a search
-- row: the copies table carries the item facts searches filter on, and the
-- full-text index has one row per copy (rowid = copies.id), written in the
-- same transaction as the copy. Copy ids are ordered by the item's time
-- (see store.copyID), so the newest hits are the highest rowids and a
-- full-text count needs no lookup. The index is contentless: the text lives
-- in items.item; the index holds the token stream made by package search.
CREATE VIRTUAL TABLE items_fts USING fts5(
	sender, recipients, subject, body, attnames, atttext,
	content = '', contentless_delete = 1,
	tokenize = "unicode61 remove_diacritics 2"
);
ALTER TABLE items ADD COLUMN has_attachment INTEGER NOT NULL DEFAULT 0;
ALTER TABLE copies ADD COLUMN mailbox_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE copies ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE copies ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE copies ADD COLUMN sent_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE copies ADD COLUMN archived_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE copies ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
ALTER TABLE copies ADD COLUMN has_attachment INTEGER NOT NULL DEFAULT 0;
CREATE INDEX copies_kind ON copies(kind);
CREATE INDEX copies_source ON copies(source);
CREATE INDEX copies_sent ON copies(sent_at);
CREATE INDEX copies_folder_id ON copies(folder_id, id);
