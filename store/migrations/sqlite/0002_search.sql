-- The full-text index: one row per item (rowid = items.id), written in the
-- same transaction as the item. Contentless: the text lives in items.item;
-- the index holds only the token stream made by package search.
CREATE VIRTUAL TABLE items_fts USING fts5(
	sender, recipients, subject, body, attnames, atttext,
	content = '', contentless_delete = 1,
	tokenize = "unicode61 remove_diacritics 2"
);
ALTER TABLE items ADD COLUMN has_attachment INTEGER NOT NULL DEFAULT 0;
CREATE INDEX items_kind_sent ON items(kind, sent_at);
CREATE INDEX items_source_sent ON items(source, sent_at);
CREATE INDEX items_archived ON items(archived_at);
CREATE INDEX folders_name ON folders(name);
