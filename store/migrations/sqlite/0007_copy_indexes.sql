-- Indexes on copies that only cost writes (each is a B-tree insert per copy,
-- and a page of each written per folder per batch):
-- copy ids are ordered by the item's sent time (see store.copyID), so a
-- sent: range is a range of ids;
DROP INDEX IF EXISTS copies_sent;
-- no query selects copies by mailbox_id (a mailbox's copies are found by its
-- folders).
DROP INDEX IF EXISTS copies_mailbox;
